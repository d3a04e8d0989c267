import Foundation

/// PPO's settings beyond the shared clipped policy loss.
public struct PPOConfig: Codable, Sendable, Equatable {
    /// Discount and GAE λ. With the reward only at the last token and a critic that starts
    /// knowing nothing, λ = 1 keeps the advantages unbiased (the critic only lowers their
    /// variance), as Open-Reasoner-Zero runs it; λ < 1 trusts the critic more.
    public var gamma: Float = 1
    public var lambda: Float = 1
    /// Clip range of the value update around the values of the policy that sampled.
    public var valueClip: Float = 0.2
    /// Weight of the value loss in the shared trunk's gradient (0: the head learns alone).
    public var valueCoef: Float = 0.1
    /// The value head's own learning rate: its C + 1 weights must move much faster than
    /// the policy's to be of use within a short run.
    public var valueLearningRate: Float = 3e-3
    public init() {}
}

/// Generalised advantage estimation per completion position, reward `rewards[r]` at
/// row r's last token and nothing after it:
///
///     δ_t = r_t + γ·V_{t+1} − V_t,   A_t = δ_t + γλ·A_{t+1},   R̂_t = A_t + V_t.
///
/// `values` holds V at every position of the batch (read where `sequence` ≥ 0).
public func generalizedAdvantages(values: [Float], batch: TokenBatch, rewards: [Float], gamma: Float, lambda: Float)
    -> (advantages: [Float], returns: [Float]) {
    var adv = [Float](repeating: 0, count: values.count), ret = adv
    // Each row's completion positions, in order (rows may share a prompt, so they need not be contiguous with it).
    var rowPositions = [[Int]](repeating: [], count: batch.rows)
    for p in batch.sequence.indices where batch.sequence[p] >= 0 { rowPositions[Int(batch.sequence[p])].append(p) }
    for (r, positions) in rowPositions.enumerated() {
        var next: Float = 0, running: Float = 0
        for (k, p) in positions.enumerated().reversed() {
            let last = k == positions.count - 1
            let delta = (last ? rewards[r] : 0) + gamma * (last ? 0 : next) - values[p]
            running = delta + gamma * lambda * (last ? 0 : running)
            adv[p] = running
            ret[p] = running + values[p]
            next = values[p]
        }
    }
    return (adv, ret)
}

/// PPO's clipped value loss, weighted over tokens as the policy loss weighs them:
///
///     L_V = ½·Σ_p w_p·max((V_p − R̂_p)², (V_old,p + clip(V_p − V_old,p, ±ε) − R̂_p)²).
///
/// Returns the loss and dL_V/dV per position.
public func clippedValueLoss(values: [Float], oldValues: [Float], returns: [Float], batch: TokenBatch,
                             clip: Float, perToken: Bool) -> (loss: Float, dValues: [Float]) {
    var grad = [Float](repeating: 0, count: values.count)
    var loss: Float = 0
    let total = Float(max(1, batch.updateTokens)), rows = Float(max(batch.updateRows, 1))
    for p in values.indices where batch.sequence[p] >= 0 {
        let r = Int(batch.sequence[p])
        let w = perToken ? 1 / total : 1 / (Float(max(batch.lengths[r], 1)) * rows)
        let free = values[p] - returns[p]
        let bounded = oldValues[p] + min(max(values[p] - oldValues[p], -clip), clip)
        let clipped = bounded - returns[p]
        if free * free >= clipped * clipped {
            loss += 0.5 * w * free * free
            grad[p] = w * free
        } else {
            loss += 0.5 * w * clipped * clipped
            // The clipped branch moves with V only inside the clip range.
            grad[p] = abs(values[p] - oldValues[p]) < clip ? w * clipped : 0
        }
    }
    return (loss, grad)
}
