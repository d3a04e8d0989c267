import RL
import Sampler
import Tasks
import Verifier

/// The policy-optimisation algorithm.
public enum Algorithm: String, Codable, Sendable, CaseIterable {
    case grpo, kimi, rloo, reinforce
}

/// Settings of `nanoreasoner train`; the defaults are the documented experiment.
public struct RLConfig: Codable, Sendable {
    public var algorithm: Algorithm = .grpo
    /// GRPO without the std in the advantage (Dr. GRPO).
    public var noStd = false
    public var steps = 150
    public var promptsPerStep = 32
    public var groupSize = 8
    public var learningRate: Float = 2e-4
    /// Optimisation passes over each sampled batch (PPO-style; the ratio clip matters from the second on).
    public var epochs = 1
    public var warmupSteps = 5
    public var temperature: Float = 1
    public var maxNewTokens = 96
    /// Drop groups whose rewards are all equal and sample more (up to this many extra rounds).
    public var dynamicSampling = true
    public var maxResampleRounds = 2
    public var loss = LossConfig()
    public var reward = RewardConfig()
    public var evalEvery = 25
    public var evalProblems = 500
    public var evalSamples = 8
    public var seed: UInt64 = 7
    /// Stop after this many minutes of training (0 = no limit).
    public var timeLimitMinutes: Double = 0

    public init() {}

    public var estimator: AdvantageEstimator {
        switch algorithm {
        case .grpo: return noStd ? .grpoNoStd : .grpo
        case .rloo: return .rloo
        case .reinforce: return .reinforce
        case .kimi: return .grpoNoStd  // not used by the Kimi loss; logged only
        }
    }

    /// Dynamic sampling drops flat groups; Kimi's loss still learns from them (its target is log Z).
    public var dropsZeroVarianceGroups: Bool { dynamicSampling && algorithm != .kimi }

    /// How rollouts are sampled: temperature, length, stop at EOS or `</answer>`.
    public var samplingParams: SamplingParams {
        SamplingParams(temperature: temperature, maxNewTokens: maxNewTokens,
                       stopTokens: [Tokenizer.eos, Tokenizer.answerClose])
    }

    public func validate() throws {
        func bad(_ f: String, _ why: String) -> TrainerError { .invalidConfig("\(f) \(why)") }
        if steps < 1 { throw bad("steps", "must be ≥ 1, got \(steps)") }
        if promptsPerStep < 1 { throw bad("prompts_per_step", "must be ≥ 1, got \(promptsPerStep)") }
        if groupSize < 2 { throw bad("group_size", "must be ≥ 2 (advantages compare samples), got \(groupSize)") }
        if epochs < 1 { throw bad("epochs", "must be ≥ 1, got \(epochs)") }
        if !(learningRate > 0 && learningRate < 1) { throw bad("lr", "must be in (0, 1), got \(learningRate)") }
        if !(loss.clipLow > 0 && loss.clipLow < 1) { throw bad("clip_low", "must be in (0, 1), got \(loss.clipLow)") }
        if !(loss.clipHigh > 0) { throw bad("clip_high", "must be > 0, got \(loss.clipHigh)") }
        if loss.beta < 0 { throw bad("beta", "must be ≥ 0, got \(loss.beta)") }
        if !(loss.tau > 0) { throw bad("tau", "must be > 0, got \(loss.tau)") }
        if evalSamples < 1 || evalProblems < 1 { throw bad("eval", "needs at least 1 problem and 1 sample") }
        try SamplingParams(temperature: temperature, maxNewTokens: maxNewTokens).validate()
    }
}

public enum TrainerError: Error, CustomStringConvertible {
    case invalidConfig(String)
    public var description: String {
        switch self { case .invalidConfig(let m): return "invalid train config: \(m)" }
    }
}
