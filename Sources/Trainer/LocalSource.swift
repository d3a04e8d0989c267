import Foundation
import Kernels
import Sampler
import Tasks
import TinyGPT
import Verifier

/// Groups sampled and scored in this process, one batch at a time: what `train` runs.
/// The sampler shares the policy's weights, so every batch comes from the newest policy.
public final class LocalSource: GroupSource {
    /// Scores one completion of a problem (the built-in checker or an external command).
    public typealias Verify = (_ problem: Problem, _ completion: String) -> Score

    let config: RLConfig
    /// The policy's prompts and completions' text: our tokenizer, or a chat model's template.
    let codec: any PromptCodec
    let task: any ProblemSet
    let verify: Verify
    private var _ledger: WorkLedger
    private let sampler: Sampler
    private var rng: Xoshiro256
    private var version = 0
    private var window = SourceWindow()

    public init(config: RLConfig, policy: any CausalLM, codec: any PromptCodec, task: any ProblemSet, ledger: WorkLedger,
                verify: @escaping Verify) {
        self.config = config
        self.codec = codec
        self.task = task
        self.verify = verify
        _ledger = ledger
        sampler = Sampler(model: policy)
        // A resumed run continues the stream from where it stood, not from the first seed.
        rng = Xoshiro256(seed: config.seed &+ UInt64(ledger.cursor))
    }

    /// The built-in verifier with `reward`'s settings.
    public static func builtIn(_ reward: RewardConfig) -> Verify { verify(.builtIn(reward)) }

    /// `verifier` scoring a problem's completion text.
    public static func verify(_ verifier: RunVerifier) -> Verify {
        { problem, text in verifier.score(prompt: problem.prompt, completion: text, answer: problem.answer) }
    }

    /// Samples one batch: the whole step's prompts at first, then twice what is missing
    /// (zero-variance groups are dropped by the run, so a refill is likely short again).
    public func take(need: Int, timeout: Double) throws -> [SourcedGroup] {
        let P = config.promptsPerStep
        let want = need >= P ? P : min(2 * need, P)
        let assigned = _ledger.assign(to: "local", credits: want, prompt: { self.task.trainProblem(at: $0).prompt })
        guard !assigned.isEmpty else { return [] }
        let problems = assigned.map { task.trainProblem(at: $0.promptIndex) }
        let prompts = problems.map { codec.promptIds($0.prompt) }
        let start = Date()
        let sampled = try sampler.generate(prompts: prompts, samplesPerPrompt: config.groupSize,
                                           params: config.samplingParams(stops: codec.stopIds), rng: &rng)
        var out: [SourcedGroup] = []
        for ((a, problem), (ids, completions)) in zip(zip(assigned, problems), zip(prompts, sampled)) {
            let scores = completions.map { verify(problem, codec.text($0.tokens)) }
            _ = _ledger.receive(a.groupId)
            _ = _ledger.score(a.groupId, correct: scores.filter(\.correct).count, total: scores.count, prompt: problem.prompt)
            window.sampledTokens += completions.reduce(0) { $0 + $1.tokens.count }
            window.trajectories += 1
            out.append(SourcedGroup(groupId: a.groupId, group: ScoredGroup(prompt: ids, completions: completions,
                                                                            scores: scores, policyVersion: version)))
        }
        window.samplingSeconds = (window.samplingSeconds ?? 0) + Date().timeIntervalSince(start)
        return out
    }

    public func ledger<T>(_ body: (inout WorkLedger) -> T) -> T { body(&_ledger) }
    public func publish(_ policy: any CausalLM, version: Int) { self.version = version }
    public var updateThreads: Int? { nil }
    public var health: SourceHealth { SourceHealth() }
    public func stopServing() {}
    /// Our own sampler cannot forge: nothing to do (the groups were dropped by the run).
    public func forged(_ groups: [SourcedGroup]) {}
    public func close(reason: String) {}

    public func takeWindow() -> SourceWindow {
        defer { window = SourceWindow() }
        return window
    }
}
