import CBLAS

/// The one entry point for large matrix products.
///
/// OpenBLAS runs single-threaded here and we split the rows of C across our own
/// workers: OpenBLAS's spinning threads otherwise fight the element-wise kernels'
/// workers for the same cores (seen in `perf` as time in sched_yield).
public enum GEMM {
    private static let singleThreadedBLAS: Void = { openblas_set_num_threads(1) }()

    /// Pins OpenBLAS to one thread; called before any BLAS use.
    @inline(__always)
    public static func prepare() { _ = singleThreadedBLAS }

    /// C[M,N] = alpha·op(A)[M,K]·op(B)[K,N] + beta·C, row-major; with `bias` [N],
    /// C = alpha·op(A)·op(B) + bias on every row instead (beta is not used).
    public static func sgemm(
        transA: Bool, transB: Bool, M: Int, N: Int, K: Int, alpha: Float = 1,
        _ A: UnsafePointer<Float>, lda: Int, _ B: UnsafePointer<Float>, ldb: Int,
        beta: Float, _ C: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>? = nil
    ) {
        prepare()
        let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
        if K >= 4 * max(M, N), M * N * K >= 1 << 18, Parallel.available > 1 {
            if let bias { fill(C, ldc: ldc, rows: 0..<M, with: bias, N) }
            return sgemmSplitK(transA: transA, transB: transB, M: M, N: N, K: K, alpha: alpha, A, lda: lda, B, ldb: ldb,
                               beta: bias == nil ? beta : 1, C, ldc: ldc)
        }
        let workers = (M * N * K >= 1 << 18 && M >= 16) ? min(Parallel.available, M / 8) : 1
        DispatchPerform.run(workers) { w in
            let per = (M + workers - 1) / workers
            let lo = w * per, rows = min(M, lo + per) - lo
            guard rows > 0 else { return }
            // Each worker starts its own rows from the bias: they are in its cache when the product adds to them.
            if let bias { fill(C, ldc: ldc, rows: lo..<(lo + rows), with: bias, N) }
            let a = transA ? A + lo : A + lo * lda
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(rows), Int32(N), Int32(K), alpha, a, Int32(lda),
                        B, Int32(ldb), bias == nil ? beta : 1, C + lo * ldc, Int32(ldc))
        }
    }

    private static func fill(_ C: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>, with bias: UnsafePointer<Float>, _ N: Int) {
        for m in rows { (C + m * ldc).update(from: bias, count: N) }
    }

    /// A product whose K dwarfs M and N (a weight gradient summed over thousands of
    /// positions) split over K: split by rows, every worker would pack all of the large
    /// operands; split by K, each packs its own slice, and the M×N partial products (small)
    /// are added after. Worker 0 accumulates into C itself.
    private static func sgemmSplitK(
        transA: Bool, transB: Bool, M: Int, N: Int, K: Int, alpha: Float,
        _ A: UnsafePointer<Float>, lda: Int, _ B: UnsafePointer<Float>, ldb: Int,
        beta: Float, _ C: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let workers = Parallel.available
        let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: (workers - 1) * M * N)
        defer { partial.deallocate() }
        let per = (K + workers - 1) / workers
        DispatchPerform.run(workers) { w in
            let lo = w * per, depth = min(K, lo + per) - lo
            let out = w == 0 ? C : partial + (w - 1) * M * N
            let ld = w == 0 ? ldc : N
            guard depth > 0 else {
                if w > 0 { out.update(repeating: 0, count: M * N) }
                return
            }
            // op(A)[m, k] is A[k·lda + m] when transposed, A[m·lda + k] otherwise; op(B) likewise.
            let a = transA ? A + lo * lda : A + lo, b = transB ? B + lo : B + lo * ldb
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(M), Int32(N), Int32(depth), alpha, a, Int32(lda),
                        b, Int32(ldb), w == 0 ? beta : 0, out, Int32(ld))
        }
        Parallel.forChunks(M, minChunk: 8) { rows in
            for w in 1..<workers {
                let p = partial + (w - 1) * M * N
                for m in rows { for n in 0..<N { C[m * ldc + n] += p[m * N + n] } }
            }
        }
    }
}
