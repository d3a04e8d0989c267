import CBLAS

// Linear layers keep Hugging Face's Conv1D layout: weight is [in, out], so the
// forward pass is a plain `out = inp · W + b` and checkpoints need no transpose.

/// out[N, OC] = inp[N, C] · weight[C, OC] + bias[OC]  (bias optional)
public func matmul_forward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, N: Int, C: Int, OC: Int
) {
    var beta: Float = 0
    if let bias {
        for n in 0..<N { (out + n * OC).update(from: bias, count: OC) }
        beta = 1
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(N), Int32(OC), Int32(C),
                1, inp, Int32(C), weight, Int32(OC), beta, out, Int32(OC))
}

/// dinp = dout · Wᵀ (or += when `accumulate`), and always accumulates
/// dweight += inpᵀ · dout, dbias += Σ_rows dout (so micro-batches add up).
public func matmul_backward(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
    _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, N: Int, C: Int, OC: Int,
    accumulate: Bool = false
) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(N), Int32(C), Int32(OC),
                1, dout, Int32(OC), weight, Int32(OC), accumulate ? 1 : 0, dinp, Int32(C))
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(C), Int32(OC), Int32(N),
                1, inp, Int32(C), dout, Int32(OC), 1, dweight, Int32(OC))
    if let dbias {
        for n in 0..<N {
            let row = dout + n * OC
            for o in 0..<OC { dbias[o] += row[o] }
        }
    }
}
