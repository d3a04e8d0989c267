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
    public let task: ArithmeticTask
    public let model: GPT
    public let optimizer: AdamW
    public private(set) var step = 0
    public let sequenceLength: Int
    private var elapsed: Double = 0

    public init(config: PretrainConfig, tokenizer: Tokenizer = .standard) throws {
        try config.validate()
        self.config = config
        self.tokenizer = tokenizer
        task = try ArithmeticTask(config: config.task)
        let longest = task.maxSequenceLength(tokenizer: tokenizer) + 2  // BOS + EOS
        guard longest <= config.contextLength + 1 else {
            throw PretrainError.sequenceTooLong(longest, context: config.contextLength)
        }
        sequenceLength = min(config.contextLength, longest - 1)
        model = try GPT(config: config.modelConfig(vocabSize: tokenizer.vocabSize))
        model.initialize(seed: config.seed)
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
        try self.init(config: state.config)
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
        (0..<config.batchSize).map { task.trainProblem(at: s * config.batchSize + $0) }
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
        let state = TrainerState(kind: "pretrain", step: step, config: config,
                                 cursor: step * config.batchSize, elapsedSeconds: elapsed)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Checkpoint.save(model: model, optimizer: optimizer, extraFiles: [
            TrainerState.file: try enc.encode(state),
            Tokenizer.checkpointFile: tokenizer.descriptionJSON(),
        ], configExtras: Tokenizer.huggingFaceConfigIds, to: dir)
    }
}
