import Kernels

/// A projection LoRA can adapt, named as Hugging Face (and peft's `target_modules`) name it.
/// Each is one HF tensor: q, k and v are row blocks of our fused qkv matrix, gate and up of
/// the fused gate|up one.
public enum LoRATarget: String, CaseIterable, Codable, Sendable {
    case q = "q_proj", k = "k_proj", v = "v_proj", o = "o_proj"
    case gate = "gate_proj", up = "up_proj", down = "down_proj"

    /// Our tensor it lives in, the first of its rows there, its [out, in] shape.
    func place(_ c: LlamaConfig) -> (tensor: LlamaTensor, row: Int, out: Int, in: Int) {
        let C = c.width, Q = c.qWidth, K = c.kvHeads * c.headSize, I = c.intermediate
        switch self {
        case .q: return (.wqkv, 0, Q, C)
        case .k: return (.wqkv, Q, K, C)
        case .v: return (.wqkv, Q + K, K, C)
        case .o: return (.wo, 0, C, Q)
        case .gate: return (.wgateUp, 0, I, C)
        case .up: return (.wgateUp, I, I, C)
        case .down: return (.wdown, 0, C, I)
        }
    }

    /// The HF tensor's name in layer `l` (without ".weight").
    public func hfName(layer l: Int) -> String {
        let part = [.q, .k, .v, .o].contains(self) ? "self_attn" : "mlp"
        return "model.layers.\(l).\(part).\(rawValue)"
    }
}

/// Rank, scale and targets of a model's adapters.
public struct LoRAConfig: Codable, Sendable, Equatable {
    public var rank: Int
    /// The adapters' output is scaled by alpha / rank (so a rank change keeps the step size).
    public var alpha: Float
    public var targets: [LoRATarget]

    public init(rank: Int, alpha: Float, targets: [LoRATarget] = LoRATarget.allCases) {
        self.rank = rank; self.alpha = alpha; self.targets = targets
    }

    public var scale: Float { alpha / Float(rank) }

    public func validate() throws {
        guard rank >= 1 else { throw LlamaError.invalidConfig("lora.rank must be at least 1 (0 means full fine-tuning, without adapters)") }
        guard alpha > 0, alpha.isFinite else { throw LlamaError.invalidConfig("lora.alpha must be a positive number, got \(alpha)") }
        guard !targets.isEmpty, Set(targets).count == targets.count else {
            throw LlamaError.invalidConfig("lora.targets must name each projection once, from \(LoRATarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }
}

/// A Llama's low-rank adapters: one flat buffer of every (layer, target)'s A [r, in] and
/// B [out, r], their gradients, and the u = x·Aᵀ each forward keeps for the backward pass.
/// A starts small and random, B at zero, so an adapted model starts as its base.
public final class LoRAAdapters {
    public let config: LoRAConfig
    public let params: FloatBuffer
    public private(set) lazy var grads = FloatBuffer(count: params.count)
    private let places: [(tensor: LlamaTensor, row: Int, out: Int, in: Int)]
    private let offsets: [Int]  // per (layer, target): where its A starts; B follows A
    private let layers: Int
    /// u for every (layer, target) of the last training forward's N positions (`reserve`),
    /// and the backward's du.
    private var saved = FloatBuffer(count: 0)
    private var scratch = FloatBuffer(count: 0)

    init(config: LoRAConfig, model c: LlamaConfig, seed: UInt64) throws {
        try config.validate()
        self.config = config
        layers = c.layers
        places = config.targets.map { $0.place(c) }
        var offsets: [Int] = [], at = 0
        for _ in 0..<c.layers {
            for p in places {
                offsets.append(at)
                at += config.rank * (p.in + p.out)
            }
        }
        self.offsets = offsets
        params = FloatBuffer(count: at)
        // peft's default: A ~ U(−1/√in, 1/√in) (Kaiming-uniform with a = √5), B = 0.
        var rng = Xoshiro256(seed: seed)
        for l in 0..<layers {
            for (t, p) in places.enumerated() {
                let a = params.pointer + offsets[l * places.count + t], bound = 1 / Float(p.in).squareRoot()
                for i in 0..<(config.rank * p.in) { a[i] = bound * (2 * rng.uniform() - 1) }
            }
        }
    }

    /// A and B of `target` (an index into `config.targets`) in layer `l`, in `buffer`.
    func ab(_ buffer: FloatBuffer, layer l: Int, target t: Int) -> (a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>) {
        let a = buffer.pointer + offsets[l * places.count + t]
        return (a, a + config.rank * places[t].in)
    }

    /// Room to keep u of every (layer, target) for a training forward of N positions: once
    /// per forward, before the blocks.
    func reserve(positions N: Int) {
        let need = layers * places.count * N * config.rank
        if saved.count < need { saved = FloatBuffer(count: need) }
    }

    /// Adds every adapter of layer `l` on `tensor` to its output y = x·Wᵀ [N, ld]. u = x·Aᵀ
    /// goes to `scratch` [N, rank] when given (the sampler: nothing is kept, and each of its
    /// threads has its own), else is kept for the backward (training, after `reserve`).
    func forward(_ y: UnsafeMutablePointer<Float>, ld: Int, _ x: UnsafePointer<Float>, tensor: LlamaTensor, layer l: Int, N: Int,
                 scratch: UnsafeMutablePointer<Float>?) {
        let r = config.rank
        precondition(scratch != nil || saved.count >= layers * places.count * N * r, "LoRAAdapters.reserve(positions:) before a training forward")
        for (t, p) in places.enumerated() where p.tensor == tensor {
            let (a, b) = ab(params, layer: l, target: t)
            lora_forward(y + p.row, ldy: ld, scratch ?? saved.pointer + (l * places.count + t) * N * r, x, a, b,
                         scale: config.scale, N: N, C: p.in, OC: p.out, r: r)
        }
    }

    /// The backward of `forward` for the same N: adapter gradients and dx += the adapters' part.
    func backward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, ld: Int, _ x: UnsafePointer<Float>,
                  tensor: LlamaTensor, layer l: Int, N: Int) {
        let r = config.rank
        if scratch.count < N * r { scratch = FloatBuffer(count: N * r) }
        for (t, p) in places.enumerated() where p.tensor == tensor {
            let (a, b) = ab(params, layer: l, target: t), (da, db) = ab(grads, layer: l, target: t)
            lora_backward(dx, da, db, scratch.pointer, dy + p.row, ldy: ld, x, saved.pointer + (l * places.count + t) * N * r,
                          a, b, scale: config.scale, N: N, C: p.in, OC: p.out, r: r)
        }
    }

    /// Adds scale · B·A of layer `l`'s adapter on `target` to that HF tensor's weights `w`
    /// [out, in]; false when the target is not adapted.
    public func merge(into w: UnsafeMutablePointer<Float>, target: LoRATarget, layer l: Int) -> Bool {
        guard let t = config.targets.firstIndex(of: target) else { return false }
        let p = places[t], (a, b) = ab(params, layer: l, target: t)
        lora_merge(w, a, b, scale: config.scale, C: p.in, OC: p.out, r: config.rank)
        return true
    }

    /// The adapters as peft names them (for `lora.safetensors`, which a resumed run reads back).
    public var tensors: [(name: String, shape: [Int], data: UnsafeBufferPointer<Float>)] {
        var out: [(name: String, shape: [Int], data: UnsafeBufferPointer<Float>)] = []
        let r = config.rank
        for l in 0..<layers {
            for (t, target) in config.targets.enumerated() {
                let p = places[t], (a, b) = ab(params, layer: l, target: t), name = "base_model.model." + target.hfName(layer: l)
                out.append((name + ".lora_A.weight", [r, p.in], UnsafeBufferPointer(start: a, count: r * p.in)))
                out.append((name + ".lora_B.weight", [p.out, r], UnsafeBufferPointer(start: b, count: p.out * r)))
            }
        }
        return out
    }
}
