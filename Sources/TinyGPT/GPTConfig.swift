/// Shape of a GPT-2 style model. The defaults are NanoReasoner's base policy
/// (≈0.8 M parameters with the task's vocabulary).
public struct GPTConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int
    public var contextLength: Int
    public var layers: Int
    public var heads: Int
    public var width: Int

    public init(vocabSize: Int, contextLength: Int = 128, layers: Int = 4, heads: Int = 4, width: Int = 128) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.layers = layers
        self.heads = heads
        self.width = width
    }

    /// Checks every field, naming the first bad one.
    public func validate() throws {
        func bad(_ field: String, _ why: String) -> GPTError { .invalidConfig("\(field): \(why)") }
        if vocabSize < 2 { throw bad("vocab_size", "must be at least 2, got \(vocabSize)") }
        if contextLength < 1 { throw bad("context_length", "must be at least 1, got \(contextLength)") }
        if layers < 1 { throw bad("layers", "must be at least 1, got \(layers)") }
        if heads < 1 { throw bad("heads", "must be at least 1, got \(heads)") }
        if width < 1 || width % heads != 0 {
            throw bad("width", "must be a positive multiple of heads (\(heads)), got \(width)")
        }
    }

    public var headSize: Int { width / heads }
}

public enum GPTError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid model config: \(m)"
        case .invalidInput(let m): return "invalid model input: \(m)"
        }
    }
}
