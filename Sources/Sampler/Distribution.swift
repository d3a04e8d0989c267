import Foundation
import Kernels

/// Draws one token from a row of logits under SamplingParams, returning the token
/// and its log-probability under the (tempered, truncated, renormalised) distribution.
final class Distribution {
    private let probs: UnsafeMutablePointer<Float>
    private var order: [Int32]

    init(capacity V: Int) {
        probs = .allocate(capacity: V)
        order = [Int32](repeating: 0, count: V)
    }

    deinit { probs.deallocate() }

    func sample(_ logits: UnsafePointer<Float>, V: Int, params: SamplingParams, rng: inout Xoshiro256) -> (Int32, Float) {
        let invT = 1 / params.temperature
        for j in 0..<V { probs[j] = logits[j] * invT }
        let mx = rowMax(probs, V)
        let sum = expShifted(probs, probs, V, shift: mx)
        let inv = 1 / sum
        for j in 0..<V { probs[j] *= inv }
        let truncate = (params.topK > 0 && params.topK < V) || params.topP < 1
        if !truncate {
            let u = rng.uniform()
            var c: Float = 0
            var pick = V - 1
            for j in 0..<V {
                c += probs[j]
                if u < c { pick = j; break }
            }
            while probs[pick] == 0 && pick > 0 { pick -= 1 }  // rounding at the tail
            return (Int32(pick), log(probs[pick]))
        }
        // Keep the top-k, then the smallest prefix reaching top-p, and renormalise.
        for j in 0..<V { order[j] = Int32(j) }
        order.sort { probs[Int($0)] > probs[Int($1)] }
        var keep = params.topK > 0 ? min(params.topK, V) : V
        var mass: Float = 0
        for j in 0..<keep {
            mass += probs[Int(order[j])]
            if mass >= params.topP { keep = j + 1; break }
        }
        var kept: Float = 0
        for j in 0..<keep { kept += probs[Int(order[j])] }
        let u = rng.uniform() * kept
        var c: Float = 0
        var pick = Int(order[keep - 1])
        for j in 0..<keep {
            c += probs[Int(order[j])]
            if u < c { pick = Int(order[j]); break }
        }
        return (Int32(pick), log(probs[pick] / kept))
    }
}
