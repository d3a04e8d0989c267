/// The shape of a Llama or Qwen2 model as a GGUF file's metadata states it, checked, and
/// written as Hugging Face's config.json and generation_config.json.
struct GGUFModelConfig {
    enum Architecture: String {
        case llama, qwen2

        var huggingFaceClass: String { self == .llama ? "LlamaForCausalLM" : "Qwen2ForCausalLM" }
    }

    let architecture: Architecture
    let layers: Int
    let hidden: Int
    let intermediate: Int
    let heads: Int
    let kvHeads: Int
    let rmsNormEps: GGUFValue
    let ropeTheta: GGUFValue
    let contextLength: Int
    let vocabSize: Int
    let tiedEmbeddings: Bool
    let bosTokenId: Int?
    let eosTokenId: Int?

    var headDim: Int { hidden / heads }

    init(_ file: GGUFFile) throws {
        func fail(_ why: String) -> ModelFileError { ModelFileError(file.path, why) }
        guard let archName = file.metadata["general.architecture"]?.string else {
            throw fail("has no general.architecture string; is it a model file?")
        }
        guard let arch = Architecture(rawValue: archName) else {
            throw fail("general.architecture is \(archName); only llama and qwen2 models can be imported")
        }
        architecture = arch
        let a = archName
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            guard let v = file.metadata[key] else {
                if let value { return value }
                throw fail("metadata \(key) is missing")
            }
            guard let n = v.int, n > 0 else { throw fail("metadata \(key) is \(v) (\(v.typeName)); expected a positive integer") }
            return n
        }
        func positiveFloat(_ key: String, default value: Float? = nil) throws -> GGUFValue {
            guard let v = file.metadata[key] else {
                if let value { return .float32(value) }
                throw fail("metadata \(key) is missing")
            }
            guard let x = v.float, x.isFinite, x > 0 else { throw fail("metadata \(key) is \(v) (\(v.typeName)); expected a positive number") }
            return v
        }
        layers = try int("\(a).block_count")
        // Each layer has 9 tensors at least: a lying count must not make us plan a billion.
        guard layers <= file.tensors.count / 9 else {
            throw fail("\(a).block_count is \(layers), but the file has only \(file.tensors.count) tensors (each layer has at least 9)")
        }
        hidden = try int("\(a).embedding_length")
        intermediate = try int("\(a).feed_forward_length")
        heads = try int("\(a).attention.head_count")
        kvHeads = try int("\(a).attention.head_count_kv", default: heads)
        rmsNormEps = try positiveFloat("\(a).attention.layer_norm_rms_epsilon")
        // llama.cpp's default when the converter wrote none.
        ropeTheta = try positiveFloat("\(a).rope.freq_base", default: 10_000)
        contextLength = try int("\(a).context_length")

        guard hidden % heads == 0, heads % kvHeads == 0 else {
            throw fail("\(a).embedding_length \(hidden), head_count \(heads) and head_count_kv \(kvHeads) do not divide evenly")
        }
        let headDim = hidden / heads
        guard headDim % 2 == 0 else { throw fail("the head dimension \(headDim) is odd; rotary embeddings need pairs") }
        for key in ["\(a).attention.key_length", "\(a).attention.value_length", "\(a).rope.dimension_count"] {
            if let v = file.metadata[key], v.int != headDim {
                throw fail("metadata \(key) is \(v), but embedding_length / head_count is \(headDim); other head sizes and partial rotary embeddings are not supported")
            }
        }
        if let scaling = file.metadata["\(a).rope.scaling.type"], scaling.string != "none" {
            throw fail("metadata \(a).rope.scaling.type is \(scaling); rope scaling is not implemented, so this model cannot be imported")
        }

        guard let embedding = file.tensor("token_embd.weight") else { throw fail("tensor token_embd.weight is missing") }
        guard embedding.shape.count == 2, embedding.shape[1] == hidden else {
            throw fail("tensor token_embd.weight has shape \(embedding.shape); expected [vocabulary, \(hidden)]")
        }
        let vocab = embedding.shape[0]
        vocabSize = vocab
        if let v = file.metadata["\(a).vocab_size"], v.int != vocab {
            throw fail("metadata \(a).vocab_size is \(v) but token_embd.weight has \(vocab) rows")
        }
        tiedEmbeddings = file.tensor("output.weight") == nil

        func tokenId(_ key: String) throws -> Int? {
            guard let v = file.metadata[key] else { return nil }
            guard let id = v.int, id >= 0, id < vocab else {
                throw fail("metadata \(key) is \(v), not a token id below the vocabulary size \(vocab)")
            }
            return id
        }
        bosTokenId = try tokenId("tokenizer.ggml.bos_token_id")
        eosTokenId = try tokenId("tokenizer.ggml.eos_token_id")
    }

    /// Hugging Face's LlamaConfig / Qwen2Config for this shape, weights in float32.
    func configJSON() -> JSONText {
        var pairs: [(String, JSONText)] = [
            ("architectures", .array([.string(architecture.huggingFaceClass)])),
            ("model_type", .string(architecture.rawValue)),
            ("vocab_size", .int(vocabSize)),
            ("hidden_size", .int(hidden)),
            ("intermediate_size", .int(intermediate)),
            ("num_hidden_layers", .int(layers)),
            ("num_attention_heads", .int(heads)),
            ("num_key_value_heads", .int(kvHeads)),
            ("hidden_act", .string("silu")),
            ("max_position_embeddings", .int(contextLength)),
            ("rms_norm_eps", Self.number(rmsNormEps)),
            ("rope_theta", Self.number(ropeTheta)),
            ("rope_scaling", .null),
            ("tie_word_embeddings", .bool(tiedEmbeddings)),
        ]
        if architecture == .llama {
            pairs += [("attention_bias", .bool(false)), ("mlp_bias", .bool(false))]
        }
        pairs += Self.tokenIds(bos: bosTokenId, eos: eosTokenId)
        pairs += [("torch_dtype", .string("float32")), ("use_cache", .bool(true))]
        return .object(pairs)
    }

    func generationConfigJSON() -> JSONText {
        .object(Self.tokenIds(bos: bosTokenId, eos: eosTokenId))
    }

    private static func tokenIds(bos: Int?, eos: Int?) -> [(String, JSONText)] {
        (bos.map { [("bos_token_id", JSONText.int($0))] } ?? []) + (eos.map { [("eos_token_id", JSONText.int($0))] } ?? [])
    }

    /// A float as the file stored it: float32 printed as float32 (1e-05, not 9.99…e-06).
    private static func number(_ v: GGUFValue) -> JSONText {
        if case .float32(let x) = v { return .float(x) }
        return .double(v.float ?? 0)
    }
}
