import Foundation

/// Settings of the policy objectives.
public struct LossConfig: Codable, Sendable, Equatable {
    /// Clip range of the ratio: [1 − clipLow, 1 + clipHigh] (clip-higher when clipHigh > clipLow).
    public var clipLow: Float = 0.2
    public var clipHigh: Float = 0.28
    /// Weight of the k3 KL to the reference policy.
    public var beta: Float = 0.0
    /// Average per sequence then over sequences (GRPO) or over all tokens (DAPO-style).
    public var perToken = true
    /// Kimi mirror-descent temperature τ.
    public var tau: Float = 1
    /// GSPO's clip range of the sequence-level ratio: far tighter than the per-token one,
    /// since a length-normalised ratio moves little (the GSPO paper's 3e-4 / 4e-4).
    public var sequenceClipLow: Float = 3e-4
    public var sequenceClipHigh: Float = 4e-4
    /// Kimi's baseline: τ·log Z of the group (false) or the group's mean reward (true), the
    /// limit of τ·log Z as τ → ∞, which the Kimi k1.5 report uses in its practical gradient.
    public var kimiMeanBaseline = false
    public init() {}
}

/// Value and statistics of one loss evaluation.
public struct LossStats: Codable, Sendable {
    public var loss: Float = 0
    public var kl: Float = 0
    public var clipFraction: Float = 0
    public var meanRatio: Float = 0
}

/// Clipped-ratio policy gradient with a k3 KL penalty (GRPO; RLOO and REINFORCE use
/// it with their own advantages). Per completion token t of sequence i:
///
///     ρ = exp(logp − old),  J = min(ρ·A_i, clip(ρ, 1−ε_low, 1+ε_high)·A_i) − β·k3,
///     k3 = exp(ref − logp) − (ref − logp) − 1,
///
/// and the loss is −J averaged per sequence then over sequences (or over all tokens).
/// Returns the loss and dLoss/dlogp per position.
public func clippedPolicyLoss(logp: [Float], batch: TokenBatch, advantages: [Float], config c: LossConfig)
    -> (stats: LossStats, dLogp: [Float]) {
    clippedPolicyLoss(logp: logp, batch: batch, tokenAdvantages: batch.sequence.map { $0 >= 0 ? advantages[Int($0)] : 0 }, config: c)
}

/// The same loss with an advantage per position (PPO's GAE) instead of one per sequence.
public func clippedPolicyLoss(logp: [Float], batch: TokenBatch, tokenAdvantages: [Float], config c: LossConfig)
    -> (stats: LossStats, dLogp: [Float]) {
    var grad = [Float](repeating: 0, count: logp.count)
    var s = LossStats()
    var tokens = 0
    let totalTokens = max(1, batch.updateTokens)
    let rows = Float(max(batch.updateRows, 1))
    for p in 0..<logp.count {
        let r = Int(batch.sequence[p])
        guard r >= 0 else { continue }
        let w = c.perToken ? 1 / Float(totalTokens) : 1 / (Float(max(batch.lengths[r], 1)) * rows)
        let a = tokenAdvantages[p]
        let ratio = Foundation.exp(logp[p] - batch.oldLogprobs[p])
        let clipped = min(max(ratio, 1 - c.clipLow), 1 + c.clipHigh)
        let unclippedTerm = ratio * a, clippedTerm = clipped * a
        let usesClip = clippedTerm < unclippedTerm
        let d = batch.refLogprobs[p] - logp[p]
        let k3 = Foundation.exp(d) - d - 1
        s.loss -= w * (min(unclippedTerm, clippedTerm) - c.beta * k3)
        s.kl += k3
        s.meanRatio += ratio
        if usesClip { s.clipFraction += 1 }
        // dJ/dlogp: ρ·A on the unclipped branch, 0 when clipped; dk3/dlogp = 1 − exp(ref − logp).
        let dJ = (usesClip ? 0 : unclippedTerm) - c.beta * (1 - Foundation.exp(d))
        grad[p] = -w * dJ
        tokens += 1
    }
    if tokens > 0 {
        s.kl /= Float(tokens)
        s.meanRatio /= Float(tokens)
        s.clipFraction /= Float(tokens)
    }
    return (s, grad)
}

/// Kimi k1.5 online mirror descent. Maximising E[r] − τ·KL(π‖π_old) has the closed form
/// π* = π_old·exp(r/τ)/Z, so r − τ·log Z = τ·log(π*/π_old). Regressing τ·log(π_θ/π_old)
/// onto r − τ·log Z with squares gives, per group of G samples,
///
///     τ·log Z ≈ τ·log mean_j exp(r_j/τ),
///     L = mean_i (r_i − τ·log Z − τ·Σ_t (logp_it − old_it))²,
///
/// averaged over groups. dL/dlogp_it = −2τ·(r_i − τ·log Z − τ·s_i)/G / groups.
/// The KL to π_old only bounds each step; with β > 0 the loss also carries
/// 2τ·β·mean_i Σ_t k3_it, the sequences' k3 KL to the frozen reference. The 2τ makes β
/// weigh that KL against the policy term as in GRPO's loss (whose per-token gradient is
/// A, where here it is 2τ times the residual): with plain β, pass@8 fell below the base.
public func kimiMirrorDescentLoss(logp: [Float], batch: TokenBatch, rewards: [Float], groupSize G: Int,
                                  config c: LossConfig) -> (stats: LossStats, dLogp: [Float]) {
    kimiMirrorDescentLoss(logp: logp, batch: batch, targets: kimiTargets(rewards: rewards, groupSize: G, config: c), config: c)
}

/// Each row's regression target r_i − τ·log Z of its group (groups are consecutive runs of G),
/// or r_i − mean_j r_j with `kimiMeanBaseline`.
public func kimiTargets(rewards: [Float], groupSize G: Int, config c: LossConfig) -> [Float] {
    let tau = c.tau
    var targets = [Float](repeating: 0, count: rewards.count)
    for start in stride(from: 0, to: rewards.count, by: G) {
        let rs = rewards[start..<min(start + G, rewards.count)]
        let mx = rs.max()!
        let baseline = c.kimiMeanBaseline
            ? rs.reduce(0, +) / Float(rs.count)
            // τ·log-mean-exp(r/τ), shifted by the max for stability
            : tau * (mx / tau + Foundation.log(rs.reduce(0) { $0 + Foundation.exp(($1 - mx) / tau) } / Float(rs.count)))
        for i in rs.indices { targets[i] = rewards[i] - baseline }
    }
    return targets
}

/// The mirror-descent loss given each row's target r_i − τ·log Z (`kimiTargets`), so a
/// micro-batch of whole rows needs no other row of its group. The mean over groups of the
/// mean over G is a mean over the update's rows.
public func kimiMirrorDescentLoss(logp: [Float], batch: TokenBatch, targets: [Float],
                                  config c: LossConfig) -> (stats: LossStats, dLogp: [Float]) {
    let rows = batch.rows
    var logRatio = [Float](repeating: 0, count: rows)
    var kl = [Float](repeating: 0, count: rows)
    for p in 0..<logp.count {
        let r = Int(batch.sequence[p])
        guard r >= 0 else { continue }
        logRatio[r] += logp[p] - batch.oldLogprobs[p]
        let d = batch.refLogprobs[p] - logp[p]
        kl[r] += Foundation.exp(d) - d - 1
    }
    let w = 1 / Float(max(batch.updateRows, 1))
    let klWeight = 2 * c.tau * c.beta
    var residual = [Float](repeating: 0, count: rows)
    var s = LossStats()
    for i in 0..<rows {
        residual[i] = targets[i] - c.tau * logRatio[i]
        s.loss += w * (residual[i] * residual[i] + klWeight * kl[i])
    }
    var grad = [Float](repeating: 0, count: logp.count)
    var tokens = 0
    for p in 0..<logp.count {
        let r = Int(batch.sequence[p])
        guard r >= 0 else { continue }
        let dk3 = 1 - Foundation.exp(batch.refLogprobs[p] - logp[p])  // d k3 / d logp
        grad[p] = w * (-2 * c.tau * residual[r] + klWeight * dk3)
        s.meanRatio += Foundation.exp(logp[p] - batch.oldLogprobs[p])
        tokens += 1
    }
    s.kl = kl.reduce(0, +) / Float(max(tokens, 1))
    s.meanRatio /= Float(max(tokens, 1))
    return (s, grad)
}
