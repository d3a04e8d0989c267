/// Which Hugging Face tensor each GGUF tensor of a Llama / Qwen2 file becomes, with the
/// shape it must have: every tensor of the file accounted for, none missing.
struct GGUFTensorPlan {
    struct Item {
        let gguf: String
        let huggingFace: String
        /// Row-major shape, the same in both files.
        let shape: [Int]
        /// Rotary heads whose rows llama.cpp interleaved (Llama's Q and K), to undo.
        let unpermuteHeads: Int?
        var count: Int { shape.reduce(1, *) }
    }

    /// In Hugging Face's module order.
    let items: [Item]

    init(_ file: GGUFFile, _ c: GGUFModelConfig) throws {
        let qwen = c.architecture == .qwen2
        let llama = c.architecture == .llama
        let q = c.heads * c.headDim, kv = c.kvHeads * c.headDim
        var items: [Item] = [Item(gguf: "token_embd.weight", huggingFace: "model.embed_tokens.weight", shape: [c.vocabSize, c.hidden], unpermuteHeads: nil)]
        for i in 0..<c.layers {
            let g = "blk.\(i).", h = "model.layers.\(i)."
            func add(_ ggufName: String, _ hfName: String, _ shape: [Int], heads: Int? = nil) {
                items.append(Item(gguf: g + ggufName, huggingFace: h + hfName, shape: shape, unpermuteHeads: heads))
            }
            add("attn_norm.weight", "input_layernorm.weight", [c.hidden])
            add("attn_q.weight", "self_attn.q_proj.weight", [q, c.hidden], heads: llama ? c.heads : nil)
            if qwen { add("attn_q.bias", "self_attn.q_proj.bias", [q]) }
            add("attn_k.weight", "self_attn.k_proj.weight", [kv, c.hidden], heads: llama ? c.kvHeads : nil)
            if qwen { add("attn_k.bias", "self_attn.k_proj.bias", [kv]) }
            add("attn_v.weight", "self_attn.v_proj.weight", [kv, c.hidden])
            if qwen { add("attn_v.bias", "self_attn.v_proj.bias", [kv]) }
            add("attn_output.weight", "self_attn.o_proj.weight", [c.hidden, q])
            add("ffn_norm.weight", "post_attention_layernorm.weight", [c.hidden])
            add("ffn_gate.weight", "mlp.gate_proj.weight", [c.intermediate, c.hidden])
            add("ffn_up.weight", "mlp.up_proj.weight", [c.intermediate, c.hidden])
            add("ffn_down.weight", "mlp.down_proj.weight", [c.hidden, c.intermediate])
        }
        items.append(Item(gguf: "output_norm.weight", huggingFace: "model.norm.weight", shape: [c.hidden], unpermuteHeads: nil))
        if !c.tiedEmbeddings {
            items.append(Item(gguf: "output.weight", huggingFace: "lm_head.weight", shape: [c.vocabSize, c.hidden], unpermuteHeads: nil))
        }

        let expected = Set(items.map(\.gguf))
        for t in file.tensors where !expected.contains(t.name) {
            throw ModelFileError(file.path, "has tensor \(t.name), which a \(c.architecture.rawValue) model with \(c.layers) layers does not have; this importer does not know what it is")
        }
        for item in items {
            guard let t = file.tensor(item.gguf) else {
                throw ModelFileError(file.path, "tensor \(item.gguf) is missing (a \(c.architecture.rawValue) model with \(c.layers) layers has it)")
            }
            guard t.shape == item.shape else {
                throw ModelFileError(file.path, "tensor \(item.gguf) has shape \(t.shape) (ggml dims \(t.dims)), but the metadata implies \(item.shape)")
            }
            guard t.type.isReadable else {
                throw ModelFileError(file.path, "tensor \(item.gguf) is \(t.type.name), which this importer cannot dequantise (it reads \(GGMLType.readable.map(\.name).joined(separator: ", "))); requantise the model to one of those, e.g. with llama-quantize")
            }
        }
        self.items = items
    }

    /// Undoes llama.cpp's rotary permutation of a Q or K weight ([heads·headDim, columns]).
    /// convert_hf_to_gguf reorders each head's rows from Hugging Face's rotate-half layout
    /// (first half of the head's dimensions, then the second) to interleaved pairs: HF row
    /// half·(d/2) + j of a head is stored as row 2j + half. This moves every row back.
    static func unpermute(_ src: UnsafeBufferPointer<Float>, into dst: UnsafeMutableBufferPointer<Float>, heads: Int, columns: Int) {
        let rows = src.count / columns
        let headDim = rows / heads
        let halfDim = headDim / 2
        for h in 0..<heads {
            for j in 0..<halfDim {
                for half in 0..<2 {
                    let from = (h * headDim + 2 * j + half) * columns
                    let to = (h * headDim + half * halfDim + j) * columns
                    _ = UnsafeMutableBufferPointer(rebasing: dst[to..<(to + columns)])
                        .update(fromContentsOf: UnsafeBufferPointer(rebasing: src[from..<(from + columns)]))
                }
            }
        }
    }
}
