import Foundation
import Kernels

/// The bridge between token-level objectives and the model: every RL loss here is a
/// function of the chosen tokens' log-probs, so d(loss)/d(logits) is
/// d(loss)/d(logp) · (onehot − softmax) per position.
public enum LogitsGradient {
    /// logp[p] = log softmax(logits[p])[targets[p]] and entropy[p], for positions with a target.
    public static func logprobsAndEntropy(_ logits: UnsafePointer<Float>, targets: [Int32], V: Int)
        -> (logp: [Float], entropy: [Float]) {
        let N = targets.count
        var logp = [Float](repeating: 0, count: N), ent = [Float](repeating: 0, count: N)
        let probs = UnsafeMutablePointer<Float>.allocate(capacity: V)
        defer { probs.deallocate() }
        for p in 0..<N where targets[p] >= 0 {
            let row = logits + p * V
            let mx = rowMax(row, V)
            let sum = expShifted(probs, row, V, shift: mx)
            let lse = mx + log(sum)
            var h: Float = 0
            for j in 0..<V {
                let q = probs[j] / sum
                if q > 0 { h -= q * (row[j] - lse) }
            }
            logp[p] = row[Int(targets[p])] - lse
            ent[p] = h
        }
        return (logp, ent)
    }

    /// dlogits[p] = dLossDLogp[p] · (onehot(target) − softmax(logits[p])); zero rows without a target.
    public static func write(_ dlogits: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, targets: [Int32],
                             dLossDLogp: [Float], V: Int) {
        for p in 0..<targets.count {
            let drow = dlogits + p * V
            let g = dLossDLogp[p]
            guard targets[p] >= 0, g != 0 else {
                drow.update(repeating: 0, count: V)
                continue
            }
            let row = logits + p * V
            let mx = rowMax(row, V)
            let sum = sumExpShifted(row, V, shift: mx)
            expShifted(drow, row, V, shift: mx, scale: -g / sum)  // −g·softmax_j
            drow[Int(targets[p])] += g
        }
    }
}
