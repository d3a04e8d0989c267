import Foundation
import Kernels
import ModelFiles

/// Shape of a Llama-family model (LlamaForCausalLM, Qwen2ForCausalLM), as Hugging Face's
/// config.json gives it.
public struct LlamaConfig: Codable, Sendable, Equatable {
    /// What differs between the two families, named as config.json names it.
    public enum Family: String, Codable, Sendable { case llama, qwen2 }

    public var family: Family
    public var vocabSize: Int
    /// max_position_embeddings: the rotary table covers this many positions.
    public var contextLength: Int
    public var layers: Int
    public var width: Int
    public var heads: Int
    public var kvHeads: Int
    public var headSize: Int
    public var intermediate: Int
    public var rmsEps: Float
    public var ropeTheta: Float
    /// The LM head is the embedding (tie_word_embeddings).
    public var tiedHead: Bool
    /// Biases on q, k and v (Qwen2 always; Llama when attention_bias).
    public var qkvBias: Bool

    public init(family: Family, vocabSize: Int, contextLength: Int, layers: Int, width: Int, heads: Int, kvHeads: Int,
                headSize: Int? = nil, intermediate: Int, rmsEps: Float, ropeTheta: Float, tiedHead: Bool, qkvBias: Bool) {
        self.family = family
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.layers = layers
        self.width = width
        self.heads = heads
        self.kvHeads = kvHeads
        self.headSize = headSize ?? (heads > 0 ? width / heads : 0)
        self.intermediate = intermediate
        self.rmsEps = rmsEps
        self.ropeTheta = ropeTheta
        self.tiedHead = tiedHead
        self.qkvBias = qkvBias
    }

    /// Checks every field, naming the first bad one.
    public func validate() throws {
        func bad(_ field: String, _ why: String) -> LlamaError { .invalidConfig("\(field): \(why)") }
        if vocabSize < 2 { throw bad("vocab_size", "must be at least 2, got \(vocabSize)") }
        if contextLength < 1 { throw bad("max_position_embeddings", "must be at least 1, got \(contextLength)") }
        if layers < 1 { throw bad("num_hidden_layers", "must be at least 1, got \(layers)") }
        if width < 1 { throw bad("hidden_size", "must be at least 1, got \(width)") }
        if heads < 1 { throw bad("num_attention_heads", "must be at least 1, got \(heads)") }
        if kvHeads < 1 || heads % kvHeads != 0 {
            throw bad("num_key_value_heads", "must divide num_attention_heads (\(heads)), got \(kvHeads)")
        }
        if headSize < 2 || headSize % 2 != 0 { throw bad("head_dim", "must be even and at least 2 (rotary pairs), got \(headSize)") }
        if intermediate < 1 { throw bad("intermediate_size", "must be at least 1, got \(intermediate)") }
        if !(rmsEps > 0) { throw bad("rms_norm_eps", "must be positive, got \(rmsEps)") }
        if !(ropeTheta > 0) { throw bad("rope_theta", "must be positive, got \(ropeTheta)") }
    }

    public var attentionHeads: AttentionHeads { AttentionHeads(heads: heads, kvHeads: kvHeads, headSize: headSize) }
    /// Floats per position of the fused q, k, v projection.
    public var qkvWidth: Int { (heads + 2 * kvHeads) * headSize }
    public var qWidth: Int { heads * headSize }
}

public enum LlamaError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid model config: \(m)"
        case .invalidInput(let m): return "invalid model input: \(m)"
        }
    }
}

extension LlamaConfig {
    /// Reads Hugging Face's config.json (model_type llama or qwen2). What we do not implement
    /// (rope_scaling, another activation, sliding windows in use) is an error, never ignored.
    public init(configJSON data: Data, path: String) throws {
        func fail(_ why: String) -> ModelFileError { ModelFileError(path, why) }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("not a JSON object")
        }
        guard let type = obj["model_type"] as? String else { throw fail("model_type is missing") }
        guard let family = Family(rawValue: type) else {
            throw fail("model_type is \(type); this build reads gpt2 (our own), llama and qwen2")
        }
        func int(_ key: String) throws -> Int {
            guard let v = obj[key] as? Int else { throw fail("\(key) is missing or not an integer") }
            return v
        }
        func float(_ key: String, default d: Double? = nil) throws -> Float {
            if let v = obj[key] as? Double { return Float(v) }
            if let v = obj[key] as? Int { return Float(v) }
            if obj[key] == nil || obj[key] is NSNull, let d { return Float(d) }
            throw fail("\(key) is missing or not a number")
        }
        if let scaling = obj["rope_scaling"], !(scaling is NSNull) {
            throw fail("rope_scaling \(scaling) is set; this build implements plain RoPE only (remove it only if the model was trained without it)")
        }
        // transformers 5 writes rope_parameters {rope_theta, rope_type} where 4.x wrote rope_theta.
        let rope = obj["rope_parameters"] as? [String: Any]
        if let type = rope?["rope_type"] as? String, type != "default" {
            throw fail("rope_parameters.rope_type is \(type); this build implements the default RoPE only")
        }
        let theta = (rope?["rope_theta"] as? Double) ?? (rope?["rope_theta"] as? Int).map(Double.init)
        let act = (obj["hidden_act"] as? String) ?? "silu"
        guard act == "silu" else { throw fail("hidden_act is \(act); the Llama family here uses silu (SwiGLU)") }
        if family == .qwen2, obj["use_sliding_window"] as? Bool == true {
            throw fail("use_sliding_window is true; sliding-window attention is not implemented")
        }
        let heads = try int("num_attention_heads")
        let headDim = obj["head_dim"] as? Int
        self.init(family: family, vocabSize: try int("vocab_size"), contextLength: try int("max_position_embeddings"),
                  layers: try int("num_hidden_layers"), width: try int("hidden_size"), heads: heads,
                  kvHeads: (obj["num_key_value_heads"] as? Int) ?? heads, headSize: headDim,
                  intermediate: try int("intermediate_size"), rmsEps: try float("rms_norm_eps", default: 1e-6),
                  ropeTheta: try theta.map(Float.init) ?? float("rope_theta", default: 10000),
                  tiedHead: (obj["tie_word_embeddings"] as? Bool) ?? false,
                  qkvBias: family == .qwen2 || (obj["attention_bias"] as? Bool ?? false))
        do { try validate() } catch { throw fail("\(error)") }
    }

    /// Hugging Face config.json for this shape (float32, no dropout, plain RoPE).
    public func configJSON(extra: [String: Any] = [:]) -> Data {
        var obj: [String: Any] = [
            "model_type": family.rawValue,
            "architectures": [family == .llama ? "LlamaForCausalLM" : "Qwen2ForCausalLM"],
            "vocab_size": vocabSize, "max_position_embeddings": contextLength, "num_hidden_layers": layers,
            "hidden_size": width, "num_attention_heads": heads, "num_key_value_heads": kvHeads, "head_dim": headSize,
            "intermediate_size": intermediate, "rms_norm_eps": shortest(rmsEps), "rope_theta": shortest(ropeTheta),
            "tie_word_embeddings": tiedHead, "hidden_act": "silu", "attention_dropout": 0.0,
            "torch_dtype": "float32", "use_cache": true,
            "rope_parameters": ["rope_theta": shortest(ropeTheta), "rope_type": "default"] as [String: Any],
        ]
        if family == .llama { obj["attention_bias"] = qkvBias; obj["mlp_bias"] = false }
        if family == .qwen2 { obj["use_sliding_window"] = false }
        for (k, v) in extra { obj[k] = v }
        return (try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }
}

/// A Float as the Double its shortest decimal spells (1e-05, not 9.99999974e-06), so a round
/// trip through our config.json gives transformers the value it wrote.
private func shortest(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }
