// Low-rank adapters (LoRA, Hu et al. 2021) on a frozen linear layer W [OC, C]:
//   y = x·Wᵀ + scale · (x·Aᵀ)·Bᵀ      A [r, C], B [OC, r], scale = alpha / r
// The adapter's output adds into a block of columns of a wider output (one of q, k, v in the
// fused qkv projection), hence `ldy`. u = x·Aᵀ [N, r] is what the backward pass needs.

/// y[N, OC] (row stride `ldy`) += scale · (x·Aᵀ)·Bᵀ, and u[N, r] = x·Aᵀ.
public func lora_forward(
    _ y: UnsafeMutablePointer<Float>, ldy: Int, _ u: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
    _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>, scale: Float, N: Int, C: Int, OC: Int, r: Int
) {
    GEMM.sgemm(transA: false, transB: true, M: N, N: r, K: C, x, lda: C, A, ldb: C, beta: 0, u, ldc: r)
    GEMM.sgemm(transA: false, transB: true, M: N, N: OC, K: r, alpha: scale, u, lda: r, B, ldb: r, beta: 1, y, ldc: ldy)
}

/// With du = scale · dy·B (`du` is scratch, [N, r]): dB += scale · dyᵀ·u, dA += duᵀ·x and
/// dx += du·A. `dy` [N, OC] has row stride `ldy`, as the forward's `y`.
public func lora_backward(
    _ dx: UnsafeMutablePointer<Float>, _ dA: UnsafeMutablePointer<Float>, _ dB: UnsafeMutablePointer<Float>,
    _ du: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, ldy: Int, _ x: UnsafePointer<Float>,
    _ u: UnsafePointer<Float>, _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>,
    scale: Float, N: Int, C: Int, OC: Int, r: Int
) {
    GEMM.sgemm(transA: true, transB: false, M: OC, N: r, K: N, alpha: scale, dy, lda: ldy, u, ldb: r, beta: 1, dB, ldc: r)
    GEMM.sgemm(transA: false, transB: false, M: N, N: r, K: OC, alpha: scale, dy, lda: ldy, B, ldb: r, beta: 0, du, ldc: r)
    GEMM.sgemm(transA: true, transB: false, M: r, N: C, K: N, du, lda: r, x, ldb: C, beta: 1, dA, ldc: C)
    GEMM.sgemm(transA: false, transB: false, M: N, N: C, K: r, du, lda: r, A, ldb: C, beta: 1, dx, ldc: C)
}

/// W[OC, C] += scale · B·A: the adapter folded into its weight (export, and the tests' check
/// that the merged layer computes what the adapted one does).
public func lora_merge(_ W: UnsafeMutablePointer<Float>, _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>,
                       scale: Float, C: Int, OC: Int, r: Int) {
    GEMM.sgemm(transA: false, transB: false, M: OC, N: C, K: r, alpha: scale, B, lda: r, A, ldb: C, beta: 1, W, ldc: C)
}
