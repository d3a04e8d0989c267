import CBLAS

// Causal multi-head self-attention on a fused qkv buffer [B, T, 3C]
// (q, k, v side by side per token, heads side by side inside each).
// Each (batch, head) pair is two small GEMMs; they run on all cores at once.

/// out[B,T,C] = softmax(q·kᵀ/√hs + causal mask)·v; saves att[B,NH,T,T] (post-softmax).
public func attention_forward(
    _ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
    _ qkv: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int
) {
    let hs = C / NH
    let scale = 1 / Float(hs).squareRoot()
    let ld = Int32(3 * C)
    GEMM.prepare()
    DispatchPerform.run(B * NH) { bh in
        let b = bh / NH, h = bh % NH
        let q = qkv + b * T * 3 * C + h * hs
        let k = q + C
        let v = q + 2 * C
        let a = att + bh * T * T
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs),
                    scale, q, ld, k, ld, 0, a, Int32(T))
        for t in 0..<T { causalSoftmaxRow(a + t * T, count: t + 1, width: T) }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    1, a, Int32(T), v, ld, 0, out + b * T * C + h * hs, Int32(C))
    }
}

/// Softmax over row[0..<count]; zeroes row[count..<width] (the future).
@inline(__always)
func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, width: Int) {
    let mx = rowMax(row, count)
    let sum = expShifted(row, row, count, shift: mx)
    let inv = 1 / sum
    for i in 0..<count { row[i] *= inv }
    if count < width { (row + count).update(repeating: 0, count: width - count) }
}

/// Writes dqkv (overwrites) from dout, given the saved att.
/// `scratch` needs B·NH·T·T floats (one T×T block per (b, h) so heads run in parallel).
public func attention_backward(
    _ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, _ att: UnsafePointer<Float>,
    B: Int, T: Int, C: Int, NH: Int
) {
    let hs = C / NH
    let scale = 1 / Float(hs).squareRoot()
    let ld = Int32(3 * C)
    let t32 = Int32(T), hs32 = Int32(hs)
    GEMM.prepare()
    DispatchPerform.run(B * NH) { bh in
        let b = bh / NH, h = bh % NH
        let base = b * T * 3 * C + h * hs
        let q = qkv + base, k = q + C, v = q + 2 * C
        let dq = dqkv + base, dk = dq + C, dv = dq + 2 * C
        let a = att + bh * T * T
        let da = scratch + bh * T * T
        let dO = dout + b * T * C + h * hs
        // datt = dO · vᵀ ;  dv = attᵀ · dO
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t32, t32, hs32,
                    1, dO, Int32(C), v, ld, 0, da, t32)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, t32, hs32, t32,
                    1, a, t32, dO, Int32(C), 0, dv, ld)
        // softmax backward, in place: dpre = att ⊙ (datt − Σ att·datt)
        for t in 0..<T {
            let ar = a + t * T, dr = da + t * T
            var dot: Float = 0
            for j in 0...t { dot += ar[j] * dr[j] }
            for j in 0...t { dr[j] = ar[j] * (dr[j] - dot) }
            for j in (t + 1)..<T { dr[j] = 0 }
        }
        // dq = scale · dpre · k ;  dk = scale · dpreᵀ · q
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t32, hs32, t32,
                    scale, da, t32, k, ld, 0, dq, ld)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, t32, hs32, t32,
                    scale, da, t32, q, ld, 0, dk, ld)
    }
}
