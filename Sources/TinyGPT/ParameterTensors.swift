import Kernels

/// The model's parameter tensors, in the order they sit in the flat buffer.
/// Linear weights use Hugging Face's Conv1D layout [in, out]; per-layer tensors
/// are stacked over layers (llm.c style), so layer l's slice is at l × its size.
public enum ParameterTensor: Int, ModelTensor {
    case wte, wpe
    case ln1w, ln1b, qkvw, qkvb, attprojw, attprojb
    case ln2w, ln2b, fcw, fcb, fcprojw, fcprojb
    case lnfw, lnfb

    /// Shape of one layer's slice (or of the whole tensor for non-layer tensors).
    public func shape(_ c: GPTConfig) -> [Int] {
        let C = c.width
        switch self {
        case .wte: return [c.vocabSize, C]
        case .wpe: return [c.contextLength, C]
        case .ln1w, .ln1b, .ln2w, .ln2b, .attprojb, .fcprojb, .lnfw, .lnfb: return [C]
        case .qkvw: return [C, 3 * C]
        case .qkvb: return [3 * C]
        case .attprojw: return [C, C]
        case .fcw: return [C, 4 * C]
        case .fcb: return [4 * C]
        case .fcprojw: return [4 * C, C]
        }
    }

    public static func layers(_ c: GPTConfig) -> Int { c.layers }

    public var isPerLayer: Bool { self != .wte && self != .wpe && self != .lnfw && self != .lnfb }

    /// Matrices get weight decay; biases and LayerNorm gains do not.
    public var decays: Bool { [.wte, .wpe, .qkvw, .attprojw, .fcw, .fcprojw].contains(self) }

    /// Hugging Face GPT2LMHeadModel name of this tensor (for layer `layer` if per-layer).
    public func hfName(layer: Int = 0) -> String {
        let h = "transformer.h.\(layer)."
        switch self {
        case .wte: return "transformer.wte.weight"
        case .wpe: return "transformer.wpe.weight"
        case .ln1w: return h + "ln_1.weight"
        case .ln1b: return h + "ln_1.bias"
        case .qkvw: return h + "attn.c_attn.weight"
        case .qkvb: return h + "attn.c_attn.bias"
        case .attprojw: return h + "attn.c_proj.weight"
        case .attprojb: return h + "attn.c_proj.bias"
        case .ln2w: return h + "ln_2.weight"
        case .ln2b: return h + "ln_2.bias"
        case .fcw: return h + "mlp.c_fc.weight"
        case .fcb: return h + "mlp.c_fc.bias"
        case .fcprojw: return h + "mlp.c_proj.weight"
        case .fcprojb: return h + "mlp.c_proj.bias"
        case .lnfw: return "transformer.ln_f.weight"
        case .lnfb: return "transformer.ln_f.bias"
        }
    }
}

/// GPT-2's tensors in one flat buffer.
public typealias ParameterLayout = TensorLayout<ParameterTensor>

extension TensorLayout where Tensor == ParameterTensor {
    /// Every (HF name, tensor, layer) the checkpoint holds, in file order.
    public var namedSlices: [(name: String, tensor: ParameterTensor, layer: Int)] {
        var out: [(String, ParameterTensor, Int)] = []
        for t in ParameterTensor.allCases where !t.isPerLayer { out.append((t.hfName(), t, 0)) }
        for l in 0..<config.layers {
            for t in ParameterTensor.allCases where t.isPerLayer { out.append((t.hfName(layer: l), t, l)) }
        }
        return out
    }
}
