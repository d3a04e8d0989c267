import Cluster
import Foundation
import Kernels
import Sampler
import Trainer
import Wire

/// One RL step of a run's config (configs/smollm2.yaml: 8 prompts × 8 completions, LoRA) as
/// `train` takes it, by stage: sample, score, update, and encoding the weights message the
/// cluster would broadcast (a LoRA run's adapters). Every group is trained, flat or not, as
/// TRL's GRPOTrainer trains its one batch: our dynamic sampling, which samples again when
/// groups are flat, is left out so that both sides do the same work.
final class RLStepBenchmark {
    /// Seconds per stage of one step, and what it made.
    struct Stages {
        var sample = 0.0, score = 0.0, update = 0.0, broadcast = 0.0
        var completions = 0, completionTokens = 0
        var total: Double { sample + score + update + broadcast }
    }

    let config: ExperimentConfig
    private let start: RunStart
    private let updater: PolicyUpdater
    private let sampler: Sampler
    private let verify: LocalSource.Verify
    private var rng: Xoshiro256
    private var cursor = 0

    /// The config at `configPath` on the model at `modelPath` (its `run.init_from` replaced).
    init(configPath: String, modelPath: String) throws {
        var c = try ExperimentConfig.load(path: configPath, overrides: ["run.init_from=\(modelPath)"])
        c.rl.dynamicSampling = false
        config = c
        start = try RunStart(config: c, runDir: "", resume: false)
        updater = try PolicyUpdater(config: c.rl, policy: start.policy)
        sampler = Sampler(model: start.policy)
        verify = try RunStart.verifier(c)
        rng = Xoshiro256(seed: c.rl.seed)
    }

    /// One step on the next `promptsPerStep` training problems.
    func measure() throws -> Stages {
        var s = Stages()
        let rl = config.rl, codec = start.codec
        let problems = (0..<rl.promptsPerStep).map { start.task.trainProblem(at: cursor + $0) }
        cursor += problems.count
        let prompts = problems.map { codec.promptIds($0.prompt) }
        var t = DispatchTime.now().uptimeNanoseconds
        func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { t = now }
            return Double(now - t) / 1e9
        }
        let sampled = try sampler.generate(prompts: prompts, samplesPerPrompt: rl.groupSize, params: rl.samplingParams(stops: codec.stopIds), rng: &rng)
        s.sample = lap()
        var groups: [ScoredGroup] = []
        for ((problem, ids), completions) in zip(zip(problems, prompts), sampled) {
            let scores = completions.map { verify(problem, codec.text($0.tokens)) }
            groups.append(ScoredGroup(prompt: ids, completions: completions, scores: scores, policyVersion: updater.updates))
        }
        s.score = lap()
        _ = try updater.update(groups)
        s.update = lap()
        let floats = start.policy.trainable  // what a version carries: the adapters with LoRA
        let message = Message.encodedWeights(version: UInt64(updater.updates), params: UnsafeBufferPointer(start: floats.pointer, count: floats.count),
                                             precision: config.cluster.weightsPrecision, reference: false)
        s.broadcast = lap()
        precondition(!message.isEmpty)
        s.completions = sampled.reduce(0) { $0 + $1.count }
        s.completionTokens = sampled.joined().reduce(0) { $0 + $1.tokens.count }
        return s
    }

    /// TRL's twin (scripts/trl_grpo_step.py) with this config's settings, 2 threads a side. Its
    /// loss runs one group (`groupSize` completions) at a time, accumulating gradients: all 64
    /// completions in one forward pass needed more than 21 GB and was killed on a 24 GiB machine.
    func trlArguments(threads: Int) -> [String] {
        let rl = config.rl
        return ["--model", config.initFrom, "--tasks", config.taskFile, "--threads", "\(threads)",
                "--prompts", "\(rl.promptsPerStep)", "--generations", "\(rl.groupSize)", "--micro-batch", "\(rl.groupSize)",
                "--max-new-tokens", "\(rl.maxNewTokens)",
                "--temperature", "\(rl.temperature)", "--lr", "\(rl.learningRate)", "--lora", "\(config.lora.enabled ? config.lora.rank : 0)",
                "--seed", "\(rl.seed)"]
    }
}
