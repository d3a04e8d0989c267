import TinyGPT
import Tasks

/// Everything `nanoreasoner pretrain` needs; the defaults make the base policy.
public struct PretrainConfig: Codable, Sendable, Equatable {
    public var layers = 4
    public var heads = 4
    public var width = 128
    public var contextLength = 128
    public var steps = 500
    public var batchSize = 32
    public var learningRate: Float = 3e-3
    public var warmupSteps = 100
    public var minLRFraction: Float = 0.1
    public var weightDecay: Float = 0.1
    public var seed: UInt64 = 1337
    public var logEvery = 25
    public var task = ArithmeticConfig()
    /// Train on these JSONL files instead of the built-in generator (`pretrain --tasks`).
    public var taskFiles: TaskFiles? = nil

    public init() {}

    /// The problems this config trains on: the task files when set, else the generator.
    public func problemSet() throws -> any ProblemSet {
        if let files = taskFiles { return try FileTask(files: files) }
        return try ArithmeticTask(config: task)
    }

    public func modelConfig(vocabSize: Int) -> GPTConfig {
        GPTConfig(vocabSize: vocabSize, contextLength: contextLength, layers: layers, heads: heads, width: width)
    }

    /// Checks each field, naming the bad one and the valid range.
    public func validate() throws {
        func bad(_ f: String, _ why: String) -> PretrainError { .invalidConfig("\(f) \(why)") }
        if steps < 1 { throw bad("steps", "must be ≥ 1, got \(steps)") }
        if batchSize < 1 { throw bad("batch_size", "must be ≥ 1, got \(batchSize)") }
        if !(learningRate > 0 && learningRate < 1) { throw bad("learning_rate", "must be in (0, 1), got \(learningRate)") }
        if warmupSteps < 0 { throw bad("warmup_steps", "must be ≥ 0, got \(warmupSteps)") }
        if !(0...1).contains(minLRFraction) { throw bad("min_lr_fraction", "must be in [0, 1], got \(minLRFraction)") }
        if logEvery < 1 { throw bad("log_every", "must be ≥ 1, got \(logEvery)") }
        do { try modelConfig(vocabSize: 300).validate() } catch { throw PretrainError.invalidConfig("\(error)") }
        if taskFiles == nil { try task.validate() }
    }
}

public enum PretrainError: Error, CustomStringConvertible {
    case invalidConfig(String)
    case sequenceTooLong(Int, context: Int)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid pretrain config: \(m)"
        case .sequenceTooLong(let n, let ctx):
            return "the task's longest worked solution is \(n) tokens but the context is \(ctx); lower task digits/operands or raise context_length"
        }
    }
}
