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
    public let policy: GPT
    public let reference: GPT
    public let tokenizer: Tokenizer
    public let task: ArithmeticTask
    public let optimizer: AdamW
    public private(set) var step = 0
    /// Index of the next training problem.
    public private(set) var cursor: Int
    private var rng: Xoshiro256
    private let verifier: ArithmeticVerifier
    /// One sampler for the whole run, so its decode buffers are reused step to step.
    private let sampler: Sampler
    private var elapsed: Double = 0

    public init(config: RLConfig, policy: GPT, tokenizer: Tokenizer, task: ArithmeticTask, startCursor: Int = 10_000_000) throws {
        try config.validate()
        self.config = config
        self.policy = policy
        self.tokenizer = tokenizer
        self.task = task
        reference = try GPT(config: policy.config)
        reference.params.copy(from: policy.params)
        var opt = AdamWConfig()
        opt.weightDecay = 0
        optimizer = AdamW(layout: policy.layout, config: opt)
        rng = Xoshiro256(seed: config.seed)
        verifier = ArithmeticVerifier(config: config.reward)
        sampler = Sampler(model: policy)
        // RL draws problems past those pretraining used, so it sees fresh ones.
        cursor = startCursor
    }

    var samplingParams: SamplingParams {
        SamplingParams(temperature: config.temperature, maxNewTokens: config.maxNewTokens,
                       stopTokens: [Tokenizer.eos, Tokenizer.answerClose])
    }

    /// Samples and scores groups, dropping zero-variance ones when dynamic sampling is on.
    private func collectGroups() throws -> (problems: [Problem], completions: [[Completion]], rewards: [[Score]],
                                            sampled: Int, zeroVariance: Int, tokens: Int, seconds: Double) {
        let G = config.groupSize
        var problems: [Problem] = [], completions: [[Completion]] = [], scores: [[Score]] = []
        var sampled = 0, zero = 0, tokens = 0
        let start = Date()
        for round in 0...(config.dynamicSampling ? config.maxResampleRounds : 0) {
            let need = config.promptsPerStep - problems.count
            if need <= 0 { break }
            let want = round == 0 ? need : min(need * 2, config.promptsPerStep)
            let batch = (0..<want).map { _ -> Problem in defer { cursor += 1 }; return task.trainProblem(at: cursor) }
            let prompts = batch.map { [Tokenizer.bos] + tokenizer.encode($0.prompt) }
            let groups = try sampler.generate(prompts: prompts, samplesPerPrompt: G, params: samplingParams, rng: &rng)
            for (p, g) in zip(batch, groups) {
                sampled += 1
                tokens += g.reduce(0) { $0 + $1.tokens.count }
                let s = g.map { verifier.score(completion: tokenizer.decode($0.tokens), answer: p.answer) }
                let flat = isZeroVariance(s.map(\.reward)[...])
                if flat { zero += 1 }
                if flat && config.dynamicSampling && config.algorithm != .kimi { continue }
                if problems.count < config.promptsPerStep {
                    problems.append(p)
                    completions.append(g)
                    scores.append(s)
                }
            }
        }
        return (problems, completions, scores, sampled, zero, tokens, Date().timeIntervalSince(start))
    }

    /// One RL step; returns its metrics.
    public func trainStep() throws -> StepMetrics {
        let start = Date()
        let G = config.groupSize
        let got = try collectGroups()
        var m = StepMetrics(step: step + 1, reward: 0, accuracy: 0, formatRate: 0, loss: 0, kl: 0, entropy: 0,
                            clipFraction: 0, zeroVarianceFraction: Float(got.zeroVariance) / Float(max(got.sampled, 1)),
                            completionLength: 0, sampledTokensPerSecond: Double(got.tokens) / max(got.seconds, 1e-9),
                            groupsTrained: got.problems.count, groupsSampled: got.sampled, gradNorm: 0, lr: 0,
                            stepSeconds: 0, elapsedSeconds: 0)
        let allScores = got.rewards.joined()
        if !allScores.isEmpty {
            m.reward = allScores.reduce(0) { $0 + $1.reward } / Float(allScores.count)
            m.accuracy = Float(allScores.filter(\.correct).count) / Float(allScores.count)
            m.formatRate = Float(allScores.filter(\.wellFormed).count) / Float(allScores.count)
        }
        if !got.problems.isEmpty {
            try update(got.problems, got.completions, rewards: got.rewards.joined().map(\.reward), G: G, into: &m)
        }
        step += 1
        m.stepSeconds = Date().timeIntervalSince(start)
        elapsed += m.stepSeconds
        m.elapsedSeconds = elapsed
        return m
    }

    private func update(_ problems: [Problem], _ groups: [[Completion]], rewards: [Float], G: Int, into m: inout StepMetrics) throws {
        var prompts: [[Int32]] = [], completions: [[Int32]] = [], behaviour: [[Float]] = []
        for (p, g) in zip(problems, groups) {
            let ids = [Tokenizer.bos] + tokenizer.encode(p.prompt)
            for c in g {
                prompts.append(ids)
                completions.append(c.tokens)
                behaviour.append(c.logprobs)
            }
        }
        let longest = zip(prompts, completions).map { $0.count + $1.count - 1 }.max()!
        let T = min(policy.config.contextLength, (longest + 7) / 8 * 8)  // round up: fewer buffer re-allocations
        var batch = TokenBatch(prompts: prompts, completions: completions, behaviourLogprobs: behaviour, length: T, pad: Tokenizer.pad)
        let V = policy.config.vocabSize
        if config.loss.beta > 0 {
            try batch.tokens.withUnsafeBufferPointer { try reference.forward($0.baseAddress!, B: batch.rows, T: T) }
            batch.refLogprobs = LogitsGradient.logprobsAndEntropy(reference.logits, targets: batch.targets, V: V).logp
        }
        let lr = config.learningRate * min(1, Float(step + 1) / Float(max(config.warmupSteps, 1)))
        var entropy: [Float] = []
        let advantages = config.algorithm == .kimi ? [] : config.estimator.advantages(rewards: rewards, groupSize: G)
        for epoch in 0..<config.epochs {
            try batch.tokens.withUnsafeBufferPointer { try policy.forward($0.baseAddress!, B: batch.rows, T: T) }
            let out = LogitsGradient.logprobsAndEntropy(policy.logits, targets: batch.targets, V: V)
            if config.loss.beta == 0 { batch.refLogprobs = out.logp }  // no KL term: k3 = 0
            let result: (stats: LossStats, dLogp: [Float])
            if config.algorithm == .kimi {
                result = kimiMirrorDescentLoss(logp: out.logp, batch: batch, rewards: rewards, groupSize: G, config: config.loss)
            } else {
                result = clippedPolicyLoss(logp: out.logp, batch: batch, advantages: advantages, config: config.loss)
            }
            policy.zeroGrad()
            LogitsGradient.write(policy.dlogits, logits: policy.logits, targets: batch.targets, dLossDLogp: result.dLogp, V: V)
            policy.backward()
            let norm = optimizer.update(params: policy.params, grads: policy.grads, lr: lr)
            if epoch == 0 {
                // Report the first pass: the policy that sampled the batch.
                entropy = out.entropy
                m.gradNorm = norm
                m.loss = result.stats.loss
                m.kl = result.stats.kl
            }
            m.clipFraction = result.stats.clipFraction
        }
        m.lr = lr
        let counted = batch.sequence.indices.filter { batch.sequence[$0] >= 0 }
        m.entropy = counted.reduce(0) { $0 + entropy[$1] } / Float(max(counted.count, 1))
        m.completionLength = Float(batch.lengths.reduce(0, +)) / Float(max(batch.rows, 1))
    }

    /// pass@1 and pass@k on the first `config.evalProblems` held-out problems.
    public func evaluate(problems: Int? = nil, samples: Int? = nil, seed: UInt64 = 99) throws -> Evaluator.Report {
        let n = samples ?? config.evalSamples
        let list = Array(task.heldOut.prefix(problems ?? config.evalProblems))
        var ev = Evaluator(model: policy, tokenizer: tokenizer)
        ev.verifier = verifier
        var params = samplingParams
        params.temperature = 1
        return try ev.run(problems: list, samples: n, ks: [1, n], params: params, seed: seed)
    }
}
