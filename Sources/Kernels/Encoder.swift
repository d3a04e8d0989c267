/// Token + position embedding: out[b,t,:] = wte[tokens[b,t]] + wpe[t].
public func encoder_forward(
    _ out: UnsafeMutablePointer<Float>, _ tokens: UnsafePointer<Int32>,
    _ wte: UnsafePointer<Float>, _ wpe: UnsafePointer<Float>, B: Int, T: Int, C: Int,
    positionOffset: Int = 0
) {
    for b in 0..<B {
        for t in 0..<T {
            let o = out + (b * T + t) * C
            let e = wte + Int(tokens[b * T + t]) * C
            let p = wpe + (t + positionOffset) * C
            for i in 0..<C { o[i] = e[i] + p[i] }
        }
    }
}

/// Scatters dout back into the rows of the embeddings that were read.
public func encoder_backward(
    _ dwte: UnsafeMutablePointer<Float>, _ dwpe: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ tokens: UnsafePointer<Int32>, B: Int, T: Int, C: Int
) {
    for b in 0..<B {
        for t in 0..<T {
            let d = dout + (b * T + t) * C
            let e = dwte + Int(tokens[b * T + t]) * C
            let p = dwpe + t * C
            for i in 0..<C {
                e[i] += d[i]
                p[i] += d[i]
            }
        }
    }
}
