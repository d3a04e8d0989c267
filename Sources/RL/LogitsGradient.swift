import Foundation
import Kernels

/// The bridge between token-level objectives and the model: every RL loss here is a
/// function of the chosen tokens' log-probs, so d(loss)/d(logits) is
/// d(loss)/d(logp) · (onehot − softmax) per position.
///
/// `temperature` t scores tokens under softmax(logits / t), the distribution a sampler
/// at temperature t drew them from, so the importance ratio compares like with like;
/// the chain rule then adds a factor 1/t to the gradient.
public enum LogitsGradient {
    /// logp[p] = log softmax(logits[p] / t)[targets[p]] and that distribution's entropy, for positions with a target.
    public static func logprobsAndEntropy(_ logits: UnsafePointer<Float>, targets: [Int32], V: Int, temperature t: Float = 1)
        -> (logp: [Float], entropy: [Float]) {
        let N = targets.count
        var logp = [Float](repeating: 0, count: N), ent = [Float](repeating: 0, count: N)
        logp.withUnsafeMutableBufferPointer { logp in
            ent.withUnsafeMutableBufferPointer { ent in
                Parallel.forChunks(N, minChunk: positionsPerChunk) { positions in
                    let scaled = UnsafeMutablePointer<Float>.allocate(capacity: V)
                    let probs = UnsafeMutablePointer<Float>.allocate(capacity: V)
                    defer { scaled.deallocate(); probs.deallocate() }
                    for p in positions where targets[p] >= 0 {
                        let row = tempered(logits + p * V, V, t, into: scaled)
                        let mx = rowMax(row, V)
                        let sum = expShifted(probs, row, V, shift: mx)
                        let lse = mx + log(sum)
                        logp[p] = row[Int(targets[p])] - lse
                        ent[p] = entropy(probs, sum: sum, logits: row, lse: lse, V)
                    }
                }
            }
        }
        return (logp, ent)
    }

    /// Positions below which a pass over the logits stays on one core (each is V exps).
    private static let positionsPerChunk = 256

    /// H = −Σ_j q_j·log q_j with q_j = e_j / sum and log q_j = logits_j − lse.
    private static func entropy(_ e: UnsafePointer<Float>, sum: Float, logits: UnsafePointer<Float>, lse: Float,
                                _ V: Int) -> Float {
        // q_j·log q_j → 0 as q_j → 0: an underflowed exp adds nothing (and no 0·−∞).
        let inv = 1 / sum
        var h: Float = 0
        for j in 0..<V where e[j] > 0 { h -= e[j] * inv * (logits[j] - lse) }
        return h
    }

    /// `logprobsAndEntropy` of the last `forwardHidden` pass, the head applied in `head`'s
    /// chunks: the [positions × V] logits never exist whole.
    public static func logprobsAndEntropy(_ head: HeadChunks, _ model: any CausalLM, targets: [Int32], temperature t: Float = 1)
        -> (logp: [Float], entropy: [Float]) {
        var logp = [Float](repeating: 0, count: targets.count), ent = logp
        head.forEach(model, positions: targets.count) { range, logits in
            let part = logprobsAndEntropy(logits, targets: Array(targets[range]), V: model.vocabSize, temperature: t)
            logp.replaceSubrange(range, with: part.logp)
            ent.replaceSubrange(range, with: part.entropy)
        }
        return (logp, ent)
    }

    /// The backward pass of a loss on the chosen tokens' log-probs, through the head in
    /// `head`'s chunks (`write` on each) and down the body; `hiddenGradient` [positions, width],
    /// when given, joins d(loss)/d(hidden) (a value head's).
    public static func backward(_ head: HeadChunks, _ model: any CausalLM, targets: [Int32], dLossDLogp: [Float],
                                temperature t: Float = 1, entropyBonus: [Float]? = nil, hiddenGradient: [Float]? = nil) {
        head.backward(model, positions: targets.count, extra: hiddenGradient) { range, buffer in
            write(buffer, logits: buffer, targets: Array(targets[range]), dLossDLogp: Array(dLossDLogp[range]),
                  V: model.vocabSize, temperature: t, entropyBonus: entropyBonus.map { Array($0[range]) })
        }
    }

    /// dlogits[p] = dLossDLogp[p] / t · (onehot(target) − q), q = softmax(logits[p] / t); zero rows
    /// without a target. With `entropyBonus`, the loss also has −Σ_p bonus[p]·H(q_p), whose
    /// gradient is bonus[p] / t · q_j·(log q_j + H). `dlogits` may be `logits` itself.
    public static func write(_ dlogits: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, targets: [Int32],
                             dLossDLogp: [Float], V: Int, temperature t: Float = 1, entropyBonus: [Float]? = nil) {
        // In place, a row is read after its first write (the entropy term): read a copy.
        let inPlace = UnsafePointer(dlogits) == logits
        Parallel.forChunks(targets.count, minChunk: positionsPerChunk) { positions in
            let scaled = UnsafeMutablePointer<Float>.allocate(capacity: V)
            defer { scaled.deallocate() }
            for p in positions {
                let drow = dlogits + p * V
                let g = dLossDLogp[p] / t
                let e = (entropyBonus?[p] ?? 0) / t
                guard targets[p] >= 0, g != 0 || e != 0 else {
                    drow.update(repeating: 0, count: V)
                    continue
                }
                let row = tempered(logits + p * V, V, t, into: scaled, copy: inPlace)
                writeRow(drow, row, V, g: g, e: e)
                drow[Int(targets[p])] += g
            }
        }
    }

    /// One position's −g·q_j (plus the entropy bonus's e·q_j·(log q_j + H) when e ≠ 0).
    private static func writeRow(_ drow: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, _ V: Int, g: Float, e: Float) {
        let mx = rowMax(row, V)
        if e == 0 {
            let sum = sumExpShifted(row, V, shift: mx)
            expShifted(drow, row, V, shift: mx, scale: -g / sum)  // −g·softmax_j
            return
        }
        let sum = expShifted(drow, row, V, shift: mx)
        let lse = mx + log(sum)
        let h = entropy(drow, sum: sum, logits: row, lse: lse, V)
        for j in 0..<V {
            let q = drow[j] / sum
            drow[j] = q * (-g + e * ((row[j] - lse) + h))
        }
    }

    /// `row / t` in `buffer`, or `row` itself at t = 1 unless `copy`.
    private static func tempered(_ row: UnsafePointer<Float>, _ V: Int, _ t: Float,
                                 into buffer: UnsafeMutablePointer<Float>, copy: Bool = false) -> UnsafePointer<Float> {
        if t == 1 && !copy { return row }
        let inv = 1 / t
        for j in 0..<V { buffer[j] = row[j] * inv }
        return UnsafePointer(buffer)
    }
}
