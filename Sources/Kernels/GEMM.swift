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

    /// C[M,N] = alpha·op(A)[M,K]·op(B)[K,N] + beta·C, row-major.
    public static func sgemm(
        transA: Bool, transB: Bool, M: Int, N: Int, K: Int, alpha: Float = 1,
        _ A: UnsafePointer<Float>, lda: Int, _ B: UnsafePointer<Float>, ldb: Int,
        beta: Float, _ C: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        prepare()
        let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
        let workers = (M * N * K >= 1 << 18 && M >= 16) ? min(Parallel.available, M / 8) : 1
        DispatchPerform.run(workers) { w in
            let per = (M + workers - 1) / workers
            let lo = w * per, rows = min(M, lo + per) - lo
            guard rows > 0 else { return }
            let a = transA ? A + lo : A + lo * lda
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(rows), Int32(N), Int32(K), alpha, a, Int32(lda),
                        B, Int32(ldb), beta, C + lo * ldc, Int32(ldc))
        }
    }
}
