/// out[N,C] = wte[tokens[n]] + wpe[positions[n]]: each position's token and its index in its row.
public func encoder_forward(
    _ out: UnsafeMutablePointer<Float>, _ tokens: UnsafePointer<Int32>, _ positions: UnsafePointer<Int32>,
    _ wte: UnsafePointer<Float>, _ wpe: UnsafePointer<Float>, N: Int, C: Int
) {
    for n in 0..<N {
        let o = out + n * C
        let e = wte + Int(tokens[n]) * C
        let p = wpe + Int(positions[n]) * C
        for i in 0..<C { o[i] = e[i] + p[i] }
    }
}

/// Scatters dout back into the rows of the embeddings that were read.
public func encoder_backward(
    _ dwte: UnsafeMutablePointer<Float>, _ dwpe: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ tokens: UnsafePointer<Int32>, _ positions: UnsafePointer<Int32>, N: Int, C: Int
) {
    for n in 0..<N {
        let d = dout + n * C
        let e = dwte + Int(tokens[n]) * C
        let p = dwpe + Int(positions[n]) * C
        for i in 0..<C {
            e[i] += d[i]
            p[i] += d[i]
        }
    }
}

/// out[N,C] = wte[tokens[n]]: a token embedding alone (rotary models add no position vector).
public func embedding_forward(
    _ out: UnsafeMutablePointer<Float>, _ tokens: UnsafePointer<Int32>, _ wte: UnsafePointer<Float>, N: Int, C: Int
) {
    for n in 0..<N { (out + n * C).update(from: wte + Int(tokens[n]) * C, count: C) }
}

/// Scatters dout back into the embedding rows that were read.
public func embedding_backward(
    _ dwte: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ tokens: UnsafePointer<Int32>, N: Int, C: Int
) {
    for n in 0..<N {
        let d = dout + n * C, e = dwte + Int(tokens[n]) * C
        for i in 0..<C { e[i] += d[i] }
    }
}
