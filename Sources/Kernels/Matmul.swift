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
    if let dbias { bias_backward(dbias, dout, N: N, OC: OC) }
}

/// dbias += Σ_rows dout, split by columns so workers never write the same entry.
private func bias_backward(_ dbias: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, N: Int, OC: Int) {
    Parallel.forChunks(OC, minChunk: 64) { cols in
        for n in 0..<N {
            let row = dout + n * OC
            for o in cols { dbias[o] += row[o] }
        }
    }
}

// PyTorch's nn.Linear layout, [out, in] (Llama, Qwen2): checkpoints stay a straight copy here too.

/// out[N, OC] = inp[N, C] · weight[OC, C]ᵀ + bias[OC]  (bias optional)
public func linear_forward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, N: Int, C: Int, OC: Int
) {
    GEMM.sgemm(transA: false, transB: true, M: N, N: OC, K: C, inp, lda: C, weight, ldb: C,
               beta: 0, out, ldc: OC, bias: bias)
}

/// dinp = dout · W (or += when `accumulate`), and accumulates dweight += doutᵀ · inp,
/// dbias += Σ_rows dout; a frozen weight (LoRA's base) passes nil and costs no second product.
public func linear_backward(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>?,
    _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, N: Int, C: Int, OC: Int,
    accumulate: Bool = false
) {
    GEMM.sgemm(transA: false, transB: false, M: N, N: C, K: OC, dout, lda: OC, weight, ldb: C,
               beta: accumulate ? 1 : 0, dinp, ldc: C)
    guard let dweight else { return }
    GEMM.sgemm(transA: true, transB: false, M: OC, N: C, K: N, dout, lda: OC, inp, ldb: C,
               beta: 1, dweight, ldc: C)
    if let dbias { bias_backward(dbias, dout, N: N, OC: OC) }
}
