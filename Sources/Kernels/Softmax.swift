import Foundation

// Row-wise softmax helpers shared by attention, supervised and RL losses.
// Vectorised 8 lanes at a time; they never allocate.

/// max of p[0..<n]
@inlinable @inline(__always)
public func rowMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var m8 = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= n {
        let v = load8(p + i)
        m8 = m8.replacing(with: v, where: v .> m8)
        i += 8
    }
    var m = m8.max()
    while i < n { m = max(m, p[i]); i += 1 }
    return m
}

/// out[i] = exp(inp[i] − shift)·scale; returns Σ exp(inp[i] − shift). `out` may alias `inp`.
@inlinable @inline(__always)
@discardableResult
public func expShifted(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int,
                       shift: Float, scale: Float = 1) -> Float {
    var s8 = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        let e = FastMath.exp(load8(inp + i) - shift)
        s8 += e
        store8(out + i, e * scale)
        i += 8
    }
    var s = s8.sum()
    while i < n {
        let e = FastMath.exp(inp[i] - shift)
        s += e
        out[i] = e * scale
        i += 1
    }
    return s
}

/// Σ exp(p[i] − shift) without writing anything.
@inlinable @inline(__always)
public func sumExpShifted(_ p: UnsafePointer<Float>, _ n: Int, shift: Float) -> Float {
    var s8 = SIMD8<Float>()
    var i = 0
    while i + 8 <= n { s8 += FastMath.exp(load8(p + i) - shift); i += 8 }
    var s = s8.sum()
    while i < n { s += FastMath.exp(p[i] - shift); i += 1 }
    return s
}

/// log Σ_j exp(row[j])
@inlinable @inline(__always)
public func logSumExp(_ row: UnsafePointer<Float>, _ V: Int) -> Float {
    let mx = rowMax(row, V)
    return mx + log(sumExpShifted(row, V, shift: mx))
}

/// Cross-entropy on logits with targets; target < 0 is ignored.
/// Writes dlogits = (softmax − onehot)/count, where count is the number of counted
/// targets, and returns the mean loss over them. `dlogits` may alias `logits`.
public func crossentropy_forward_backward(
    _ dlogits: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>,
    _ targets: UnsafePointer<Int32>, N: Int, V: Int
) -> (loss: Float, count: Int) {
    var count = 0
    for n in 0..<N where targets[n] >= 0 { count += 1 }
    let w = count > 0 ? 1 / Float(count) : 0
    let pieces = max(1, min(Parallel.available, N / 64))
    var partial = [Double](repeating: 0, count: pieces)
    partial.withUnsafeMutableBufferPointer { part in
        DispatchPerform.run(pieces) { p in
            let per = (N + pieces - 1) / pieces
            var total: Double = 0
            for n in (p * per)..<min(N, (p + 1) * per) {
                let row = logits + n * V, drow = dlogits + n * V
                let tgt = Int(targets[n])
                if tgt < 0 {
                    drow.update(repeating: 0, count: V)
                    continue
                }
                let lse = logSumExp(row, V)
                total += Double(lse - row[tgt])
                expShifted(drow, row, V, shift: lse, scale: w)
                drow[tgt] -= w
            }
            part[p] = total
        }
    }
    return (count > 0 ? Float(partial.reduce(0, +) / Double(count)) : 0, count)
}

/// logprob[n] = log softmax(logits[n] / temperature)[targets[n]]  (0 where target < 0).
public func token_logprobs(
    _ out: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>,
    _ targets: UnsafePointer<Int32>, N: Int, V: Int, temperature t: Float = 1
) {
    let inv = 1 / t
    Parallel.forChunks(N, minChunk: 256) { positions in
        let scaled = t == 1 ? nil : UnsafeMutablePointer<Float>.allocate(capacity: V)
        defer { scaled?.deallocate() }
        for n in positions {
            let tgt = Int(targets[n])
            if tgt < 0 { out[n] = 0; continue }
            var row = logits + n * V
            if let scaled {
                for j in 0..<V { scaled[j] = row[j] * inv }
                row = UnsafePointer(scaled)
            }
            out[n] = row[tgt] - logSumExp(row, V)
        }
    }
}
