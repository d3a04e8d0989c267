import Kernels
import Llama
import TinyGPT

/// A model's shape, of either family: what the learner tells its workers so that they build
/// the same model and then take its weights. Our GPT-2's spec encodes as its config alone, as
/// it always has (workers of either version read it); the Llama family's carries its `family`.
public enum ModelSpec: Codable, Equatable, Sendable {
    case gpt2(GPTConfig)
    case llama(LlamaConfig)

    /// The spec of `model`.
    public init(of model: any CausalLM) {
        switch model {
        case let gpt as GPT: self = .gpt2(gpt.config)
        case let llama as Llama: self = .llama(llama.config)
        default: preconditionFailure("no spec for \(type(of: model))")
        }
    }

    /// A model of this shape (weights zero until the learner's arrive).
    public func make() throws -> any CausalLM {
        switch self {
        case .gpt2(let c): return try GPT(config: c)
        case .llama(let c): return try Llama(config: c)
        }
    }

    public var vocabSize: Int {
        switch self {
        case .gpt2(let c): return c.vocabSize
        case .llama(let c): return c.vocabSize
        }
    }

    public var parameterCount: Int {
        switch self {
        case .gpt2(let c): return ParameterLayout(c).count
        case .llama(let c): return LlamaLayout(c).count
        }
    }

    private enum Probe: String, CodingKey { case family }

    public init(from decoder: Decoder) throws {
        let keys = try decoder.container(keyedBy: Probe.self)
        self = keys.contains(.family) ? .llama(try LlamaConfig(from: decoder)) : .gpt2(try GPTConfig(from: decoder))
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .gpt2(let c): try c.encode(to: encoder)
        case .llama(let c): try c.encode(to: encoder)
        }
    }
}
