import Foundation
import Kernels
import RL
import TinyGPT

/// What one update reports (the learner-side half of `StepMetrics`).
public struct UpdateStats: Sendable {
    public var loss: Float = 0
    public var kl: Float = 0
    public var entropy: Float = 0
    public var clipFraction: Float = 0
    public var gradNorm: Float = 0
    public var lr: Float = 0
    public var completionLength: Float = 0
}

/// The learner's half of RL: scored groups in, one optimiser update (`epochs` passes) out.
///
/// It owns the policy being trained, the frozen reference and AdamW, and knows nothing
/// of where the groups came from, so the single-process loop and the distributed
/// learner share it.
public final class PolicyUpdater {
    public let config: RLConfig
    public let policy: GPT
    public let reference: GPT
    public let optimizer: AdamW
    /// Updates applied so far (the policy's version).
    public private(set) var updates = 0

    public init(config: RLConfig, policy: GPT) throws {
        self.config = config
        self.policy = policy
        reference = try GPT(config: policy.config)
        reference.params.copy(from: policy.params)
        var opt = AdamWConfig()
        opt.weightDecay = 0
        optimizer = AdamW(layout: policy.layout, config: opt)
    }

    /// Restores the optimiser step count (for resumed runs).
    public func restore(updates: Int) { self.updates = updates }

    /// One optimiser update on `groups` (each of `config.groupSize` completions).
    public func update(_ groups: [ScoredGroup], pad: Int32) throws -> UpdateStats {
        var s = UpdateStats()
        guard !groups.isEmpty else { return s }
        let G = config.groupSize
        var prompts: [[Int32]] = [], completions: [[Int32]] = [], behaviour: [[Float]] = [], rewards: [Float] = []
        for g in groups {
            precondition(g.completions.count == G && g.scores.count == G, "a group must hold group_size completions")
            for (c, sc) in zip(g.completions, g.scores) {
                prompts.append(g.prompt)
                completions.append(c.tokens)
                behaviour.append(c.logprobs)
                rewards.append(sc.reward)
            }
        }
        let longest = zip(prompts, completions).map { $0.count + $1.count - 1 }.max()!
        let T = min(policy.config.contextLength, (longest + 7) / 8 * 8)  // round up: fewer buffer re-allocations
        var batch = TokenBatch(prompts: prompts, completions: completions, behaviourLogprobs: behaviour, length: T, pad: pad)
        let V = policy.config.vocabSize
        let t = config.temperature  // score tokens under the distribution they were sampled from
        if config.loss.beta > 0 {
            try batch.tokens.withUnsafeBufferPointer { try reference.forward($0.baseAddress!, B: batch.rows, T: T) }
            batch.refLogprobs = LogitsGradient.logprobsAndEntropy(reference.logits, targets: batch.targets, V: V, temperature: t).logp
        }
        let lr = config.learningRate * min(1, Float(updates + 1) / Float(max(config.warmupSteps, 1)))
        var entropy: [Float] = []
        let advantages = config.algorithm == .kimi ? [] : config.estimator.advantages(rewards: rewards, groupSize: G)
        for epoch in 0..<config.epochs {
            try batch.tokens.withUnsafeBufferPointer { try policy.forward($0.baseAddress!, B: batch.rows, T: T) }
            let out = LogitsGradient.logprobsAndEntropy(policy.logits, targets: batch.targets, V: V, temperature: t)
            if config.loss.beta == 0 { batch.refLogprobs = out.logp }  // no KL term: k3 = 0
            let result: (stats: LossStats, dLogp: [Float])
            if config.algorithm == .kimi {
                result = kimiMirrorDescentLoss(logp: out.logp, batch: batch, rewards: rewards, groupSize: G, config: config.loss)
            } else {
                result = clippedPolicyLoss(logp: out.logp, batch: batch, advantages: advantages, config: config.loss)
            }
            let bonus = entropyWeights(batch)
            policy.zeroGrad()
            LogitsGradient.write(policy.dlogits, logits: policy.logits, targets: batch.targets, dLossDLogp: result.dLogp, V: V,
                                 temperature: t, entropyBonus: bonus)
            policy.backward()
            let norm = optimizer.update(params: policy.params, grads: policy.grads, lr: lr)
            if epoch == 0 {
                // Report the first pass: the policy that sampled the batch.
                entropy = out.entropy
                s.gradNorm = norm
                s.loss = result.stats.loss - zip(bonus ?? [], out.entropy).reduce(0) { $0 + $1.0 * $1.1 }
                s.kl = result.stats.kl
            }
            s.clipFraction = result.stats.clipFraction
        }
        updates += 1
        s.lr = lr
        let counted = batch.sequence.indices.filter { batch.sequence[$0] >= 0 }
        s.entropy = counted.reduce(0) { $0 + entropy[$1] } / Float(max(counted.count, 1))
        s.completionLength = Float(batch.lengths.reduce(0, +)) / Float(max(batch.rows, 1))
        return s
    }

    /// Per-position weight of the entropy bonus: `entropyCoef` times the loss's own token
    /// weight (1/all tokens, or 1/(length · rows) per sequence); nil when there is no bonus.
    private func entropyWeights(_ batch: TokenBatch) -> [Float]? {
        guard config.entropyCoef > 0 else { return nil }
        let total = Float(max(1, batch.lengths.reduce(0, +))), rows = Float(max(batch.rows, 1))
        let perSequence = !config.loss.perToken && config.algorithm != .kimi
        return batch.sequence.map { r in
            guard r >= 0 else { return 0 }
            return config.entropyCoef * (perSequence ? 1 / (Float(max(batch.lengths[Int(r)], 1)) * rows) : 1 / total)
        }
    }
}
