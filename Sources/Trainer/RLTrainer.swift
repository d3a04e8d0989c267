import Foundation
import Eval
import Kernels
import RL
import Sampler
import Tasks
import TinyGPT
import Verifier

/// The single-process RL loop: sample groups → verify → advantages / loss → update,
/// with periodic evaluation on the held-out split.
public final class RLTrainer {
    public let config: RLConfig
    public let tokenizer: Tokenizer
    public let task: ArithmeticTask
    public let updater: PolicyUpdater
    public var policy: GPT { updater.policy }
    public var optimizer: AdamW { updater.optimizer }
    public private(set) var step = 0
    /// Index of the next training problem.
    public private(set) var cursor: Int
    private var rng: Xoshiro256
    private let verifier: ArithmeticVerifier
    /// One sampler for the whole run, so its decode buffers are reused step to step.
    private let sampler: Sampler
    private var elapsed: Double = 0
    public private(set) var curriculum: PromptCurriculum?
    /// Training prompts the curriculum passed over.
    public private(set) var skippedPrompts = 0

    /// RL draws problems past those pretraining used, so it sees fresh ones.
    public static let firstTrainProblem = 10_000_000

    public init(config: RLConfig, policy: GPT, tokenizer: Tokenizer, task: ArithmeticTask,
                startCursor: Int = RLTrainer.firstTrainProblem) throws {
        try config.validate()
        self.config = config
        self.tokenizer = tokenizer
        self.task = task
        updater = try PolicyUpdater(config: config, policy: policy)
        rng = Xoshiro256(seed: config.seed)
        verifier = ArithmeticVerifier(config: config.reward)
        sampler = Sampler(model: policy)
        cursor = startCursor
        curriculum = config.makeCurriculum()
    }

    /// The next training problem the curriculum accepts.
    private func nextProblem() -> Problem {
        while true {
            let p = task.trainProblem(at: cursor)
            cursor += 1
            if curriculum?.accepts(prompt: p.prompt, index: p.id) ?? true { return p }
            skippedPrompts += 1
        }
    }

    var samplingParams: SamplingParams { config.samplingParams }

    /// Samples and scores groups, dropping zero-variance ones when dynamic sampling is on.
    private func collectGroups() throws -> (groups: [ScoredGroup], sampled: Int, zeroVariance: Int, tokens: Int, seconds: Double) {
        let G = config.groupSize
        var kept: [ScoredGroup] = []
        var sampled = 0, zero = 0, tokens = 0
        let start = Date()
        for round in 0...(config.dynamicSampling ? config.maxResampleRounds : 0) {
            let need = config.promptsPerStep - kept.count
            if need <= 0 { break }
            let want = round == 0 ? need : min(need * 2, config.promptsPerStep)
            let batch = (0..<want).map { _ in nextProblem() }
            let prompts = batch.map { [Tokenizer.bos] + tokenizer.encode($0.prompt) }
            let groups = try sampler.generate(prompts: prompts, samplesPerPrompt: G, params: samplingParams, rng: &rng)
            for ((p, ids), g) in zip(zip(batch, prompts), groups) {
                sampled += 1
                tokens += g.reduce(0) { $0 + $1.tokens.count }
                let s = g.map { verifier.score(completion: tokenizer.decode($0.tokens), answer: p.answer) }
                let group = ScoredGroup(prompt: ids, completions: g, scores: s)
                curriculum?.record(prompt: p.prompt, correct: s.filter(\.correct).count, total: s.count)
                if group.isZeroVariance { zero += 1 }
                if group.isZeroVariance && config.dropsZeroVarianceGroups { continue }
                if kept.count < config.promptsPerStep { kept.append(group) }
            }
        }
        return (kept, sampled, zero, tokens, Date().timeIntervalSince(start))
    }

    /// One RL step; returns its metrics.
    public func trainStep() throws -> StepMetrics {
        let start = Date()
        let got = try collectGroups()
        var m = StepMetrics(step: step + 1, zeroVarianceFraction: Float(got.zeroVariance) / Float(max(got.sampled, 1)),
                            sampledTokensPerSecond: Double(got.tokens) / max(got.seconds, 1e-9),
                            groupsTrained: got.groups.count, groupsSampled: got.sampled)
        m.record(scores: got.groups.flatMap(\.scores))
        m.samplingSeconds = got.seconds
        let updateStart = Date()
        if !got.groups.isEmpty { m.record(try updater.update(got.groups, pad: Tokenizer.pad)) }
        m.updateSeconds = Date().timeIntervalSince(updateStart)
        step += 1
        m.stepSeconds = Date().timeIntervalSince(start)
        elapsed += m.stepSeconds
        m.elapsedSeconds = elapsed
        return m
    }

    /// pass@1 and pass@k (k = `config.evalSamples`) on the first `problems` held-out problems.
    public func evaluate(problems: Int? = nil, samples: Int? = nil) throws -> Evaluator.Report {
        try evaluateHeldOut(policy: policy, tokenizer: tokenizer, task: task, config: config,
                            problems: problems ?? config.evalProblems, samples: samples ?? config.evalSamples)
    }
}
