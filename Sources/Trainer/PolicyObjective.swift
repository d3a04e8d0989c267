import Kernels
import RL
import TinyGPT

/// One micro-batch's loss and what it sends back: dLoss/dlogp per position, and PPO's
/// gradient for the trunk's hidden state and its value loss.
struct ObjectiveLoss {
    var stats: LossStats
    var dLogp: [Float]
    var dHidden: [Float]? = nil
    var valueLoss: Float? = nil
}

/// One algorithm's objective, as `PolicyUpdater` sees it: what each row of an update carries
/// from its group, and the loss on one micro-batch after the policy's forward. The updater
/// does everything else (micro-batches, passes, ranks, audits, the optimiser step) the same
/// way for every algorithm; `objective(for:)` is the one place the algorithm is chosen.
protocol PolicyObjective: AnyObject {
    /// Per row of the update (consecutive groups of `G`): its advantage, Kimi's regression
    /// target, or (PPO, whose advantages are per token) its reward.
    func rowValues(rewards: [Float], groupSize G: Int) -> [Float]
    /// Before the first pass over an update of `chunks` micro-batches.
    func begin(chunks: Int, meanReward: Float)
    /// The update is prepared again without forged groups: undo what `begin` did.
    func restart()
    /// The loss on micro-batch `chunk` of rows with `values`, after `policy`'s forward.
    func loss(chunk: Int, logp: [Float], batch: TokenBatch, values: [Float], policy: any CausalLM) -> ObjectiveLoss
    /// The clip fraction counts sequences (GSPO's ratio is per sequence), not tokens.
    var clipsSequences: Bool { get }
    /// The loss weighs each sequence's tokens by 1/length (the entropy bonus follows it).
    var weighsPerSequence: Bool { get }
    /// Parameters of the objective's own (PPO's critic), stepped with the policy's.
    var valueHead: ValueHead? { get }
}

extension PolicyObjective {
    func begin(chunks: Int, meanReward: Float) {}
    func restart() {}
    var clipsSequences: Bool { false }
    var valueHead: ValueHead? { nil }
}

/// The objective of `config.algorithm`.
func objective(for config: RLConfig, width: Int) -> any PolicyObjective {
    switch config.algorithm {
    case .grpo, .rloo, .reinforce: return ClippedObjective(config)
    case .gspo: return GSPOObjective(config)
    case .kimi: return KimiObjective(config.loss)
    case .ppo: return PPOObjective(config, head: ValueHead(width: width))
    }
}

/// GRPO, RLOO, REINFORCE: the clipped-ratio loss on group-relative advantages.
class ClippedObjective: PolicyObjective {
    let estimator: AdvantageEstimator, loss: LossConfig
    init(_ c: RLConfig) { (estimator, loss) = (c.estimator, c.loss) }
    func rowValues(rewards: [Float], groupSize G: Int) -> [Float] { estimator.advantages(rewards: rewards, groupSize: G) }
    func loss(chunk: Int, logp: [Float], batch: TokenBatch, values: [Float], policy: any CausalLM) -> ObjectiveLoss {
        let r = clippedPolicyLoss(logp: logp, batch: batch, advantages: values, config: loss)
        return ObjectiveLoss(stats: r.stats, dLogp: r.dLogp)
    }
    var clipsSequences: Bool { false }
    var weighsPerSequence: Bool { !loss.perToken }
}

/// GSPO: GRPO's advantages, one ratio and one clip per sequence.
final class GSPOObjective: ClippedObjective {
    override func loss(chunk: Int, logp: [Float], batch: TokenBatch, values: [Float], policy: any CausalLM) -> ObjectiveLoss {
        let r = gspoLoss(logp: logp, batch: batch, advantages: values, config: loss)
        return ObjectiveLoss(stats: r.stats, dLogp: r.dLogp)
    }
    override var clipsSequences: Bool { true }
}

/// Kimi k1.5's mirror descent: each row regresses onto r_i − τ·log Z of its group.
final class KimiObjective: PolicyObjective {
    let loss: LossConfig
    init(_ loss: LossConfig) { self.loss = loss }
    func rowValues(rewards: [Float], groupSize G: Int) -> [Float] { kimiTargets(rewards: rewards, groupSize: G, config: loss) }
    func loss(chunk: Int, logp: [Float], batch: TokenBatch, values: [Float], policy: any CausalLM) -> ObjectiveLoss {
        let r = kimiMirrorDescentLoss(logp: logp, batch: batch, targets: values, config: loss)
        return ObjectiveLoss(stats: r.stats, dLogp: r.dLogp)
    }
    var weighsPerSequence: Bool { false }
}

/// PPO: a value head on the policy's last hidden state and GAE advantages per token. The
/// first pass over an update fixes the sampling policy's values and the advantages and
/// returns made from them; later passes are clipped against them.
final class PPOObjective: PolicyObjective {
    let loss: LossConfig, ppo: PPOConfig
    let head: ValueHead
    /// Per micro-batch of the current update, what its first pass fixed.
    private var critic: [CriticTargets?] = []
    /// Whether the head had started before this update (a restart must not count forged rewards).
    private var startedBefore = false

    private struct CriticTargets {
        var oldValues: [Float], advantages: [Float], returns: [Float]
    }

    init(_ c: RLConfig, head: ValueHead) { (loss, ppo, self.head) = (c.loss, c.ppo, head) }

    var valueHead: ValueHead? { head }
    var weighsPerSequence: Bool { !loss.perToken }

    func rowValues(rewards: [Float], groupSize G: Int) -> [Float] { rewards }

    func begin(chunks: Int, meanReward: Float) {
        startedBefore = head.started
        head.warmStart(mean: meanReward)
        critic = Array(repeating: nil, count: chunks)
    }

    func restart() { head.started = startedBefore }

    func loss(chunk: Int, logp: [Float], batch: TokenBatch, values rewards: [Float], policy: any CausalLM) -> ObjectiveLoss {
        let values = head.forward(policy.hidden, N: batch.positions)
        if critic[chunk] == nil {
            let gae = generalizedAdvantages(values: values, batch: batch, rewards: rewards, gamma: ppo.gamma, lambda: ppo.lambda)
            critic[chunk] = CriticTargets(oldValues: values, advantages: gae.advantages, returns: gae.returns)
        }
        let fixed = critic[chunk]!
        let policyLoss = clippedPolicyLoss(logp: logp, batch: batch, tokenAdvantages: fixed.advantages, config: loss)
        let value = clippedValueLoss(values: values, oldValues: fixed.oldValues, returns: fixed.returns, batch: batch,
                                     clip: ppo.valueClip, perToken: loss.perToken)
        let dHidden = head.backward(policy.hidden, dValues: value.dValues, trunkWeight: ppo.valueCoef)
        return ObjectiveLoss(stats: policyLoss.stats, dLogp: policyLoss.dLogp, dHidden: dHidden, valueLoss: value.loss)
    }
}
