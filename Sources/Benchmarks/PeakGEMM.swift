import CBLAS
import Dispatch
import Kernels

/// The machine's practical sgemm peak on all threads, from a large square product measured
/// two ways: through `GEMM.sgemm` (rows split across `Parallel.threads` workers, OpenBLAS
/// single-threaded in each, as the model runs) and through `cblas_sgemm` with OpenBLAS's own
/// threads. The peak is the better of the two medians.
public enum PeakGEMM {
    public struct Result: Codable, Sendable {
        public var size: Int
        public var threads: Int
        /// GFLOP/s (2·n³ per product) through `GEMM.sgemm`, per repetition.
        public var gemm: Stats
        /// GFLOP/s through `cblas_sgemm` with OpenBLAS threading, per repetition.
        public var openblasThreaded: Stats
        /// The larger median: the figure "% of peak" divides by.
        public var peak: Double { Swift.max(gemm.median, openblasThreaded.median) }
    }

    /// Times `repeats` products of two n×n matrices each way, after one warm-up product.
    public static func run(size n: Int = 1024, repeats: Int = 5) -> Result {
        let threads = Parallel.threads
        guard n > 0, repeats > 0 else { return Result(size: n, threads: threads, gemm: Stats([]), openblasThreaded: Stats([])) }
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        for i in 0..<(n * n) { a[i] = Float(i % 7) * 0.01; b[i] = Float(i % 5) * 0.02; c[i] = 0 }
        func time(_ product: () -> Void) -> Stats {
            product()
            return Stats((0..<repeats).map { _ in
                let start = DispatchTime.now().uptimeNanoseconds
                product()
                return 2 * Double(n) * Double(n) * Double(n) / Double(DispatchTime.now().uptimeNanoseconds - start)
            })
        }
        let ours = time { GEMM.sgemm(transA: false, transB: false, M: n, N: n, K: n, a, lda: n, b, ldb: n, beta: 0, c, ldc: n) }
        openblas_set_num_threads(Int32(threads))
        let blas = time {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, c, Int32(n))
        }
        openblas_set_num_threads(1)  // back to what GEMM expects
        return Result(size: n, threads: threads, gemm: ours, openblasThreaded: blas)
    }
}
