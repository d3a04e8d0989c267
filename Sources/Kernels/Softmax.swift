import Foundation

// Token-level softmax helpers shared by supervised and RL losses. All work on
// logits [N, V] row by row and never allocate.

/// log Σ_j exp(row[j])
@inline(__always)
public func logSumExp(_ row: UnsafePointer<Float>, _ V: Int) -> Float {
    var mx = -Float.infinity
    for j in 0..<V { mx = max(mx, row[j]) }
    var sum: Float = 0
    for j in 0..<V { sum += FastMath.exp(row[j] - mx) }
    return mx + log(sum)
}

/// Cross-entropy on logits with targets; target < 0 is ignored.
/// Writes dlogits = weight·(softmax − onehot), where weight = 1/(number of counted targets),
/// and returns the mean loss over counted targets. `dlogits` may alias `logits`.
public func crossentropy_forward_backward(
    _ dlogits: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>,
    _ targets: UnsafePointer<Int32>, N: Int, V: Int
) -> (loss: Float, count: Int) {
    var count = 0
    for n in 0..<N where targets[n] >= 0 { count += 1 }
    if count == 0 {
        dlogits.update(repeating: 0, count: N * V)
        return (0, 0)
    }
    let w = 1 / Float(count)
    var total: Double = 0
    for n in 0..<N {
        let row = logits + n * V
        let drow = dlogits + n * V
        let tgt = Int(targets[n])
        if tgt < 0 {
            drow.update(repeating: 0, count: V)
            continue
        }
        let lse = logSumExp(row, V)
        total += Double(lse - row[tgt])
        for j in 0..<V { drow[j] = FastMath.exp(row[j] - lse) * w }
        drow[tgt] -= w
    }
    return (Float(total / Double(count)), count)
}

/// logprob[n] = log softmax(logits[n])[targets[n]]  (0 where target < 0).
public func token_logprobs(
    _ out: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>,
    _ targets: UnsafePointer<Int32>, N: Int, V: Int
) {
    for n in 0..<N {
        let tgt = Int(targets[n])
        if tgt < 0 { out[n] = 0; continue }
        let row = logits + n * V
        out[n] = row[tgt] - logSumExp(row, V)
    }
}
