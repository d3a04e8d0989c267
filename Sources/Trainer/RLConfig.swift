import RL
import TinyGPT
import Sampler
import Tasks
import Verifier

/// The policy-optimisation algorithm.
public enum Algorithm: String, Codable, Sendable, CaseIterable {
    case grpo, kimi, rloo, reinforce
    /// PPO with a value head and GAE (`RLConfig.ppo`), the same clipped policy loss.
    case ppo
    /// GRPO's advantages with GSPO's sequence-level ratio and clip.
    case gspo

    /// The one place per-algorithm defaults live. Two passes for the advantage-based losses
    /// (a second pass over the same groups bought more than a new batch in a fixed time);
    /// Kimi makes one: on a second pass its squared residual pulls the policy back toward the
    /// one that sampled (docs/EXPERIMENTS.md).
    public var defaultEpochs: Int { self == .kimi ? 1 : 2 }
}

/// Settings of `nanoreasoner train`; the defaults are the documented experiment.
public struct RLConfig: Codable, Sendable {
    public var algorithm: Algorithm = .grpo
    /// GRPO without the std in the advantage (Dr. GRPO): dividing by a small std
    /// over-weights nearly-flat groups. With the per-token average, this is the default.
    public var noStd = true
    /// A cap: the 10-minute limit (`timeLimitMinutes`) normally ends a run first (Kimi's
    /// one-pass steps reached 300 in 8¼ minutes).
    public var steps = 400
    public var promptsPerStep = 32
    public var groupSize = 8
    public var learningRate: Float = 2e-4
    /// Optimisation passes over each sampled batch (PPO-style; the ratio clip matters from the
    /// second on); nil: the algorithm's own (`Algorithm.defaultEpochs`). An explicit value wins.
    public var epochs: Int?
    public var warmupSteps = 5
    /// Global gradient-norm clip of the update (0: none).
    public var gradClip: Float = 1
    public var temperature: Float = 1
    /// Weight of an entropy bonus (−coef·H per token, weighted as the loss weights tokens):
    /// it resists the collapse onto one answer that costs pass@k.
    public var entropyCoef: Float = 0
    public var maxNewTokens = 96
    /// Drop groups whose rewards are all equal and sample more (up to this many extra rounds).
    public var dynamicSampling = true
    public var maxResampleRounds = 2
    /// Batches in a row in which every group was flat (all its completions scored the same:
    /// no signal for a group-relative advantage) after which the run says why and stops;
    /// 0 keeps sampling, saying so every time.
    public var maxFlatBatches = 5
    /// Packed positions per micro-batch of the update (gradients add up over them); 0 sizes
    /// them by the model (`PolicyUpdater.microBatchPositions(for:)`).
    public var microBatchTokens = 0
    /// Prefer prompts whose shape the policy solves sometimes but not always (`PromptCurriculum`).
    public var curriculum = true
    /// The curriculum still accepts at least this fraction of every shape's prompts.
    public var curriculumFloor = 0.1
    public var loss = LossConfig()
    /// PPO's critic and GAE (used when `algorithm` is `.ppo`).
    public var ppo = PPOConfig()
    public var reward = RewardConfig()
    /// Held-out evaluation every N steps (0: only before and after training).
    public var evalEvery = 25
    public var evalProblems = 500
    /// The k of pass@k and maj@k, and the samples per problem of the periodic evaluations.
    public var evalSamples = 8
    /// Samples per problem in the before/after evaluation: pass@1 and pass@k estimated from
    /// 32 samples vary far less between seeds than from 8.
    public var finalSamples = 32
    public var seed: UInt64 = 7
    /// Stop after this many minutes of training (0 = no limit): the budget.
    public var timeLimitMinutes: Double = 10
    /// Held-out problems in the before/after evaluation (0 skips it; the split has 500).
    public var finalEvalProblems = 500
    /// Write a checkpoint every N steps (0: only at the end).
    public var checkpointEvery = 50
    /// Groups sampled more than this many policy versions ago are not trained on.
    public var maxStaleness = 2

    public init() {
        // A light KL to the reference keeps pass@8 from falling as pass@1 sharpens.
        loss.beta = 0.02
    }

    public init(algorithm: Algorithm) {
        self.init()
        self.algorithm = algorithm
    }

    /// The learning rate per update: a linear warm-up over `warmupSteps`, then constant (a run
    /// is ended by its time limit, not a step count a decay could aim at).
    public var schedule: LRSchedule {
        LRSchedule(peak: learningRate, warmupSteps: warmupSteps, totalSteps: steps, minFraction: 1)
    }

    /// The passes this run makes: `epochs` when set, else the algorithm's default.
    public var passes: Int { epochs ?? algorithm.defaultEpochs }

    public var estimator: AdvantageEstimator {
        switch algorithm {
        case .grpo, .gspo: return noStd ? .grpoNoStd : .grpo
        case .rloo: return .rloo
        case .reinforce: return .reinforce
        case .kimi, .ppo: return .grpoNoStd  // not used by the Kimi loss nor PPO's GAE; logged only
        }
    }

    /// Dynamic sampling drops flat groups. They carry no gradient for the advantage-based
    /// losses, nor for Kimi's on the policy that sampled them (r_i = τ·log Z and the log-ratio
    /// is 0), so keeping them would only dilute the batch average.
    public var dropsZeroVarianceGroups: Bool { dynamicSampling }

    /// How rollouts are sampled: temperature, length, stop at EOS or `</answer>`.
    public var samplingParams: SamplingParams { samplingParams(stops: [Tokenizer.eos, Tokenizer.answerClose]) }

    /// How rollouts are sampled, stopping at `stops` (a policy's codec's stop ids).
    public func samplingParams(stops: [Int32]) -> SamplingParams {
        SamplingParams(temperature: temperature, maxNewTokens: maxNewTokens, stopTokens: stops)
    }

    /// The prompt curriculum this config asks for, or nil.
    public func makeCurriculum() -> PromptCurriculum? {
        curriculum ? PromptCurriculum(floor: curriculumFloor, groupSize: groupSize, seed: seed) : nil
    }

    public func validate() throws {
        func bad(_ f: String, _ why: String) -> TrainerError { .invalidConfig("\(f) \(why)") }
        if steps < 1 { throw bad("steps", "must be ≥ 1, got \(steps)") }
        if promptsPerStep < 1 { throw bad("prompts_per_step", "must be ≥ 1, got \(promptsPerStep)") }
        if groupSize < 2 { throw bad("group_size", "must be ≥ 2 (advantages compare samples), got \(groupSize)") }
        if maxResampleRounds < 0 { throw bad("max_resample_rounds", "must be ≥ 0, got \(maxResampleRounds)") }
        if microBatchTokens < 0 { throw bad("micro_batch_tokens", "must be ≥ 0 (0: sized by the model), got \(microBatchTokens)") }
        if maxFlatBatches < 0 { throw bad("max_flat_batches", "must be ≥ 0 (0: never stop), got \(maxFlatBatches)") }
        if !(curriculumFloor > 0 && curriculumFloor <= 1) { throw bad("curriculum_floor", "must be in (0, 1], got \(curriculumFloor)") }
        if entropyCoef < 0 { throw bad("entropy_coef", "must be ≥ 0, got \(entropyCoef)") }
        if !(gradClip >= 0) { throw bad("grad_clip", "must be ≥ 0 (0: no clipping), got \(gradClip)") }
        if let e = epochs, e < 1 { throw bad("algorithm.epochs", "must be ≥ 1, got \(e)") }
        if !(learningRate > 0 && learningRate < 1) { throw bad("lr", "must be in (0, 1), got \(learningRate)") }
        if !(loss.clipLow > 0 && loss.clipLow < 1) { throw bad("clip_low", "must be in (0, 1), got \(loss.clipLow)") }
        if !(loss.clipHigh > 0) { throw bad("clip_high", "must be > 0, got \(loss.clipHigh)") }
        if loss.beta < 0 { throw bad("beta", "must be ≥ 0, got \(loss.beta)") }
        if !(loss.sequenceClipLow > 0 && loss.sequenceClipLow < 1) { throw bad("seq_clip_low", "must be in (0, 1), got \(loss.sequenceClipLow)") }
        if !(loss.sequenceClipHigh > 0) { throw bad("seq_clip_high", "must be > 0, got \(loss.sequenceClipHigh)") }
        if !(0...1).contains(ppo.gamma) { throw bad("gamma", "must be in [0, 1], got \(ppo.gamma)") }
        if !(0...1).contains(ppo.lambda) { throw bad("lambda", "must be in [0, 1], got \(ppo.lambda)") }
        if !(ppo.valueClip > 0) { throw bad("value_clip", "must be > 0, got \(ppo.valueClip)") }
        if !(ppo.valueCoef >= 0) { throw bad("value_coef", "must be ≥ 0 (0: the trunk ignores the value loss), got \(ppo.valueCoef)") }
        if !(ppo.valueLearningRate > 0 && ppo.valueLearningRate < 1) { throw bad("value_lr", "must be in (0, 1), got \(ppo.valueLearningRate)") }
        if !(reward.processWeight >= 0) { throw bad("reward.process_weight", "must be ≥ 0, got \(reward.processWeight)") }
        if !(loss.tau > 0) { throw bad("tau", "must be > 0, got \(loss.tau)") }
        if evalEvery < 0 { throw bad("eval_every", "must be ≥ 0 (0: evaluate only before and after), got \(evalEvery)") }
        if evalSamples < 1 || evalProblems < 1 { throw bad("eval", "needs at least 1 problem and 1 sample") }
        if finalEvalProblems < 0 { throw bad("eval.final_problems", "must be ≥ 0 (0 skips the before/after evaluation), got \(finalEvalProblems)") }
        if maxStaleness < 0 { throw bad("cluster.max_staleness", "must be ≥ 0, got \(maxStaleness)") }
        if checkpointEvery < 0 { throw bad("run.checkpoint_every", "must be ≥ 0 (0 = only at the end), got \(checkpointEvery)") }
        if finalSamples < evalSamples { throw bad("eval.final_samples", "must be ≥ eval.samples (\(evalSamples)), got \(finalSamples)") }
        try SamplingParams(temperature: temperature, maxNewTokens: maxNewTokens).validate()
    }
}

public enum TrainerError: Error, CustomStringConvertible {
    case invalidConfig(String)
    case cannotResume(String)
    case cannotWrite(String)
    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid config: \(m)"
        case .cannotResume(let m): return "cannot resume: \(m)"
        case .cannotWrite(let p): return "cannot write \(p): is the directory writable and the disk not full?"
        }
    }
}
