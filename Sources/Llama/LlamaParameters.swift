import Kernels

/// The Llama family's parameter tensors, in the order they sit in the flat buffer. Linear
/// weights keep PyTorch's [out, in] layout; q, k and v are one [(H + 2·KV)·hs, C] matrix
/// (HF's three stacked), gate and up one [2·I, C], so each is a single GEMM and a checkpoint
/// is still a straight copy. Per-layer tensors are stacked over layers (llm.c style).
public enum LlamaTensor: Int, ModelTensor {
    case embed
    case attnNorm, wqkv, bqkv, wo
    case mlpNorm, wgateUp, wdown
    case finalNorm, lmHead

    /// Shape of one layer's slice (or of the whole tensor); a tensor the config does
    /// not have (the q/k/v bias of a plain Llama, the head of a tied model) has size 0.
    public func shape(_ c: LlamaConfig) -> [Int] {
        let C = c.width
        switch self {
        case .embed: return [c.vocabSize, C]
        case .attnNorm, .mlpNorm, .finalNorm: return [C]
        case .wqkv: return [c.qkvWidth, C]
        case .bqkv: return c.qkvBias ? [c.qkvWidth] : [0]
        case .wo: return [C, c.qWidth]
        case .wgateUp: return [2 * c.intermediate, C]
        case .wdown: return [C, c.intermediate]
        case .lmHead: return c.tiedHead ? [0, C] : [c.vocabSize, C]
        }
    }

    public static func layers(_ c: LlamaConfig) -> Int { c.layers }

    public var isPerLayer: Bool { ![.embed, .finalNorm, .lmHead].contains(self) }

    /// Matrices get weight decay; norms' gains and biases do not.
    public var decays: Bool { [.embed, .wqkv, .wo, .wgateUp, .wdown, .lmHead].contains(self) }
}

/// One Hugging Face tensor and where it sits: rows `rows` of `tensor`'s slice for `layer`.
public struct HFTensorSlot: Sendable {
    public let name: String
    public let tensor: LlamaTensor
    public let layer: Int
    /// The HF tensor's shape; its floats are `count` consecutive ones from `offsetInSlice`.
    public let shape: [Int]
    public let offsetInSlice: Int
    public var count: Int { shape.reduce(1, *) }
}

/// The Llama family's tensors in one flat buffer.
public typealias LlamaLayout = TensorLayout<LlamaTensor>

extension TensorLayout where Tensor == LlamaTensor {
    /// Every tensor of the Hugging Face checkpoint and where its floats go, in file order.
    public var hfSlots: [HFTensorSlot] {
        let c = config, C = c.width, hs = c.headSize
        let q = c.heads * hs, kv = c.kvHeads * hs, I = c.intermediate
        var out = [HFTensorSlot(name: "model.embed_tokens.weight", tensor: .embed, layer: 0, shape: [c.vocabSize, C], offsetInSlice: 0)]
        for l in 0..<c.layers {
            let p = "model.layers.\(l)."
            func slot(_ name: String, _ t: LlamaTensor, _ shape: [Int], at offset: Int = 0) -> HFTensorSlot {
                HFTensorSlot(name: p + name, tensor: t, layer: l, shape: shape, offsetInSlice: offset)
            }
            out.append(slot("input_layernorm.weight", .attnNorm, [C]))
            out.append(slot("self_attn.q_proj.weight", .wqkv, [q, C]))
            out.append(slot("self_attn.k_proj.weight", .wqkv, [kv, C], at: q * C))
            out.append(slot("self_attn.v_proj.weight", .wqkv, [kv, C], at: (q + kv) * C))
            if c.qkvBias {
                out.append(slot("self_attn.q_proj.bias", .bqkv, [q]))
                out.append(slot("self_attn.k_proj.bias", .bqkv, [kv], at: q))
                out.append(slot("self_attn.v_proj.bias", .bqkv, [kv], at: q + kv))
            }
            out.append(slot("self_attn.o_proj.weight", .wo, [C, q]))
            out.append(slot("post_attention_layernorm.weight", .mlpNorm, [C]))
            out.append(slot("mlp.gate_proj.weight", .wgateUp, [I, C]))
            out.append(slot("mlp.up_proj.weight", .wgateUp, [I, C], at: I * C))
            out.append(slot("mlp.down_proj.weight", .wdown, [C, I]))
        }
        out.append(HFTensorSlot(name: "model.norm.weight", tensor: .finalNorm, layer: 0, shape: [C], offsetInSlice: 0))
        if !c.tiedHead {
            out.append(HFTensorSlot(name: "lm_head.weight", tensor: .lmHead, layer: 0, shape: [c.vocabSize, C], offsetInSlice: 0))
        }
        return out
    }
}
