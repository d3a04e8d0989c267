// Linear layers keep Hugging Face's Conv1D layout: weight is [in, out], so the
// forward pass is a plain `out = inp · W + b` and checkpoints need no transpose.

/// out[N, OC] = inp[N, C] · weight[C, OC] + bias[OC]  (bias optional)
public func matmul_forward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, N: Int, C: Int, OC: Int
) {
    GEMM.sgemm(transA: false, transB: false, M: N, N: OC, K: C, inp, lda: C, weight, ldb: OC,
               beta: 0, out, ldc: OC, bias: bias)
}

/// dinp = dout · Wᵀ (or += when `accumulate`), and always accumulates
/// dweight += inpᵀ · dout, dbias += Σ_rows dout (so micro-batches add up).
public func matmul_backward(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
    _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, N: Int, C: Int, OC: Int,
    accumulate: Bool = false
) {
    GEMM.sgemm(transA: false, transB: true, M: N, N: C, K: OC, dout, lda: OC, weight, ldb: OC,
               beta: accumulate ? 1 : 0, dinp, ldc: C)
    GEMM.sgemm(transA: true, transB: false, M: C, N: OC, K: N, inp, lda: C, dout, ldb: OC,
               beta: 1, dweight, ldc: OC)
    if let dbias {
        // Split by columns so workers never write the same bias entry.
        Parallel.forChunks(OC, minChunk: 64) { cols in
            for n in 0..<N {
                let row = dout + n * OC
                for o in cols { dbias[o] += row[o] }
            }
        }
    }
}
