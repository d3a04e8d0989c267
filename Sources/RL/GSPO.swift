import Foundation

/// GSPO (Qwen, 2025): one importance ratio per sequence, the geometric mean of its tokens'
///
///     s_i = exp( (1/|y_i|) Σ_t (logp_it − old_it) ),
///     J = mean_i min(s_i·A_i, clip(s_i, 1−ε_low, 1+ε_high)·A_i) − β·mean_i mean_t k3_it,
///
/// clipped with `sequenceClipLow/High`, so a sequence is kept or dropped whole where the
/// per-token ratio clips token by token. dJ/dlogp_it = s_i·A_i/|y_i| on the unclipped
/// branch. Returns the loss −J and dLoss/dlogp per position.
public func gspoLoss(logp: [Float], batch: TokenBatch, advantages: [Float], config c: LossConfig)
    -> (stats: LossStats, dLogp: [Float]) {
    let rows = batch.rows
    var logRatio = [Float](repeating: 0, count: rows)
    for p in 0..<logp.count where batch.sequence[p] >= 0 {
        logRatio[Int(batch.sequence[p])] += logp[p] - batch.oldLogprobs[p]
    }
    let w = 1 / Float(max(batch.updateRows, 1))
    var s = LossStats()
    var ratio = [Float](repeating: 0, count: rows), live = [Bool](repeating: false, count: rows)
    var counted = 0
    for i in 0..<rows where batch.lengths[i] > 0 {
        ratio[i] = Foundation.exp(logRatio[i] / Float(batch.lengths[i]))
        let a = advantages[i]
        let unclipped = ratio[i] * a
        let clipped = min(max(ratio[i], 1 - c.sequenceClipLow), 1 + c.sequenceClipHigh) * a
        live[i] = unclipped <= clipped
        s.loss -= w * min(unclipped, clipped)
        s.meanRatio += ratio[i]
        if !live[i] { s.clipFraction += 1 }
        counted += 1
    }
    var grad = [Float](repeating: 0, count: logp.count)
    var tokens = 0
    for p in 0..<logp.count {
        let r = Int(batch.sequence[p])
        guard r >= 0 else { continue }
        let length = Float(max(batch.lengths[r], 1))
        let d = batch.refLogprobs[p] - logp[p]
        let k3 = Foundation.exp(d) - d - 1
        s.loss += w * c.beta * k3 / length
        s.kl += k3
        let dJ = live[r] ? ratio[r] * advantages[r] / length : 0
        grad[p] = -w * dJ + w * c.beta * (1 - Foundation.exp(d)) / length
        tokens += 1
    }
    s.kl /= Float(max(tokens, 1))
    s.meanRatio /= Float(max(counted, 1))
    s.clipFraction /= Float(max(counted, 1))
    return (s, grad)
}
