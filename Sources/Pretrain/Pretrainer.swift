import Foundation
import Kernels
import Tasks
import TinyGPT

/// Supervised "cold start": teaches the policy the reasoning template and the
/// arithmetic procedure from worked solutions, so RL has something to sharpen.
public final class Pretrainer {
    /// One line of the loss log (`pretrain_log.jsonl`).
    public struct LogLine: Codable, Sendable {
        public var step: Int
        public var loss: Float
        public var lr: Float
        public var gradNorm: Float
        public var tokensPerSecond: Double
        public var elapsedSeconds: Double
    }

    public let config: PretrainConfig
    public let tokenizer: Tokenizer
    public let task: any ProblemSet
    public let model: GPT
    public let optimizer: AdamW
    public private(set) var step = 0
    public let sequenceLength: Int
    /// Fixed worked solutions to train on (rejection-sampling fine-tuning), in a seeded
    /// order; nil: the task generator's stream.
    public let dataset: [Problem]?
    private var elapsed: Double = 0

    /// `dataset` replaces the generator's problems; `initial` starts from those weights
    /// (of this config's shape) instead of a fresh initialisation.
    public init(config: PretrainConfig, tokenizer: Tokenizer = .standard, dataset: [Problem]? = nil, initial: GPT? = nil) throws {
        try config.validate()
        self.config = config
        self.tokenizer = tokenizer
        task = try config.problemSet()
        if let files = task as? FileTask { try files.checkCovered(by: tokenizer) }
        var longest = task.maxSequenceLength(tokenizer: tokenizer) + 2  // BOS + EOS
        if let data = dataset {
            guard !data.isEmpty else { throw PretrainError.invalidConfig("the fine-tuning set is empty: nothing was accepted") }
            longest = max(longest, data.map { tokenizer.encode($0.prompt).count + tokenizer.encode($0.completion ?? "").count + 2 }.max()!)
        }
        guard longest <= config.contextLength + 1 else {
            throw PretrainError.sequenceTooLong(longest, context: config.contextLength)
        }
        sequenceLength = min(config.contextLength, longest - 1)
        self.dataset = dataset.map { data in
            var rng = Xoshiro256(seed: config.seed)
            var shuffled = data
            for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            return shuffled
        }
        model = try GPT(config: config.modelConfig(vocabSize: tokenizer.vocabSize))
        if let initial {
            guard initial.config == model.config else {
                throw PretrainError.invalidConfig("the starting model's shape \(initial.config) differs from the config's \(model.config)")
            }
            model.params.copy(from: initial.params)
        } else {
            model.initialize(seed: config.seed)
        }
        var opt = AdamWConfig()
        opt.weightDecay = config.weightDecay
        optimizer = AdamW(layout: model.layout, config: opt)
    }

    /// Resumes from a checkpoint written by `save(to:)`.
    public convenience init(resumeFrom dir: String) throws {
        let statePath = (dir as NSString).appendingPathComponent(TrainerState.file)
        let state: TrainerState
        do { state = try JSONDecoder().decode(TrainerState.self, from: try Checkpoint.readFile(statePath)) } catch {
            throw CheckpointError(statePath, "cannot resume: \(error)")
        }
        guard state.kind == "pretrain" else {
            throw CheckpointError(statePath, "was written by `\(state.kind)`, which does not resume: run it again")
        }
        try self.init(config: state.config, tokenizer: try Tokenizer.load(checkpoint: dir))
        let loaded = try Checkpoint.loadModel(from: dir)
        guard loaded.config == model.config else {
            throw CheckpointError(dir, "model shape \(loaded.config) differs from the trainer config")
        }
        model.params.copy(from: loaded.params)
        try Checkpoint.loadOptimizer(optimizer, from: dir)
        step = state.step
        elapsed = state.elapsedSeconds
    }

    public var schedule: LRSchedule {
        LRSchedule(peak: config.learningRate, warmupSteps: config.warmupSteps, totalSteps: config.steps,
                   minFraction: config.minLRFraction)
    }

    /// The problems of training step `s`: a pure function of the step, so resuming
    /// neither skips nor repeats data.
    public func problems(forStep s: Int) -> [Problem] {
        (0..<config.batchSize).map { k in
            let i = s * config.batchSize + k
            return dataset.map { $0[i % $0.count] } ?? task.trainProblem(at: i)
        }
    }

    /// Runs one optimisation step and returns its log line.
    @discardableResult
    public func trainStep() throws -> LogLine {
        let start = DispatchTime.now().uptimeNanoseconds
        let batch = SFTBatch(problems: problems(forStep: step), tokenizer: tokenizer, length: sequenceLength)
        model.zeroGrad()
        let loss = try batch.tokens.withUnsafeBufferPointer { tok in
            try batch.targets.withUnsafeBufferPointer { tgt in
                try model.trainStep(tokens: tok.baseAddress!, targets: tgt.baseAddress!, B: batch.B, T: batch.T)
            }
        }
        let lr = schedule.rate(at: step)
        let norm = optimizer.update(params: model.params, grads: model.grads, lr: lr)
        step += 1
        let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        elapsed += secs
        return LogLine(step: step, loss: loss, lr: lr, gradNorm: norm,
                       tokensPerSecond: Double(batch.B * batch.T) / secs, elapsedSeconds: elapsed)
    }

    /// Writes a resumable checkpoint (weights, optimizer, trainer state, tokenizer).
    public func save(to dir: String) throws {
        let state = TrainerState(kind: dataset == nil ? "pretrain" : "rft", step: step, config: config,
                                 cursor: step * config.batchSize, elapsedSeconds: elapsed)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        var files = tokenizer.huggingFaceFiles(contextLength: model.config.contextLength)
        files[TrainerState.file] = try enc.encode(state)
        files[Tokenizer.checkpointFile] = tokenizer.descriptionJSON()
        try Checkpoint.save(model: model, optimizer: optimizer, extraFiles: files, configExtras: Tokenizer.huggingFaceConfigIds, to: dir)
    }
}
