import Kernels

/// A Llama-family language model (Llama, Qwen2) with hand-written forward and backward
/// passes, computed as Hugging Face's LlamaForCausalLM / Qwen2ForCausalLM compute them.
///
///     x = embed[tokens]
///     per layer:  x += o(attention(rope(qkv(rmsnorm(x)))))      grouped-query heads
///                 x += down(silu(gate(rmsnorm(x))) · up(rmsnorm(x)))
///     logits = rmsnorm(x) · headᵀ                                 head = embed when tied
///
/// As with `GPT`, all parameters live in one flat buffer (`params`, in `LlamaLayout` order)
/// and a loss writes `dlogits` between `forward` and `backward`.
public final class Llama: CausalLM {
    public let config: LlamaConfig
    public let layout: LlamaLayout
    public let params: FloatBuffer
    /// Allocated at the first backward pass or gradient access: a model that only samples or
    /// scores (the KL reference, an actor's copy) never holds a second copy of its size.
    public private(set) lazy var grads = FloatBuffer(count: layout.count)
    public let rotary: RotaryTable
    /// Low-rank adapters: with them the base weights are frozen and only the adapters train.
    public private(set) var lora: LoRAAdapters?
    private var acts: LlamaActivations?
    /// Whole logits and their gradient, for the callers that want them (`forward`, `dlogits`);
    /// training through `HeadChunks` never allocates them.
    private var wholeLogits: FloatBuffer?, wholeDLogits: FloatBuffer?

    public init(config: LlamaConfig) throws {
        try config.validate()
        self.config = config
        layout = LlamaLayout(config)
        params = FloatBuffer(count: layout.count)
        rotary = RotaryTable(headSize: config.headSize, theta: config.ropeTheta, positions: config.contextLength)
    }

    /// Random weights (tests and benchmarks): N(0, std) matrices, norm gains near 1.
    public func initialize(seed: UInt64, std: Float = 0.02) {
        var rng = Xoshiro256(seed: seed)
        for t in LlamaTensor.allCases {
            let p = self[t], n = layout.size(t)
            switch t {
            case .attnNorm, .mlpNorm, .finalNorm: for i in 0..<n { p[i] = 1 + 0.1 * rng.normal() }
            default: for i in 0..<n { p[i] = std * rng.normal() }
            }
        }
    }

    /// Parameter tensor `t` (layer `layer`'s slice for per-layer tensors).
    public subscript(_ t: LlamaTensor, layer layer: Int = 0) -> UnsafeMutablePointer<Float> {
        params.pointer + layout.offset(t, layer: layer)
    }

    /// The gradient of tensor `t`; nil when the base is frozen (adapters attached): the
    /// backward pass then computes only what flows to the adapters.
    func grad(_ t: LlamaTensor, layer: Int = 0) -> UnsafeMutablePointer<Float>? {
        lora == nil ? grads.pointer + layout.offset(t, layer: layer) : nil
    }

    /// Freezes the base and adds fresh adapters (B = 0: the model computes what it did).
    public func attachLoRA(_ config: LoRAConfig, seed: UInt64 = 0) throws {
        guard lora == nil else { throw LlamaError.invalidConfig("this model already has LoRA adapters") }
        lora = try LoRAAdapters(config: config, model: self.config, seed: seed)
    }

    public var trainable: FloatBuffer { lora?.params ?? params }
    public var trainableGrads: FloatBuffer { lora?.grads ?? grads }
    public var trainableDecayRanges: [(range: Range<Int>, decays: Bool)] {
        lora.map { [(0..<$0.params.count, true)] } ?? layout.decayRanges
    }

    /// The LM head's weights: the embedding when tied.
    var head: UnsafeMutablePointer<Float> { config.tiedHead ? self[.embed] : self[.lmHead] }
    public var headWeights: UnsafePointer<Float> { UnsafePointer(head) }
    public var headGradient: UnsafeMutablePointer<Float>? { config.tiedHead ? grad(.embed) : grad(.lmHead) }
    var qkvBias: UnsafeMutablePointer<Float>? { config.qkvBias ? self[.bqkv] : nil }

    public var vocabSize: Int { config.vocabSize }
    public var contextLength: Int { config.contextLength }
    public var width: Int { config.width }
    /// Activations and their gradients per position of a training pass (attention weights aside;
    /// no logits: the learner applies the head in chunks).
    public var bytesPerPosition: Int { 4 * LlamaActivations.sizes(config, positions: 1, weights: 0).reduce(0, +) }

    public var decayRanges: [(range: Range<Int>, decays: Bool)] { layout.decayRanges }

    public func twin() throws -> Llama {
        let m = try Llama(config: config)
        m.params.copy(from: params)
        if let lora {
            try m.attachLoRA(lora.config)
            m.lora!.params.copy(from: lora.params)
        }
        return m
    }

    /// Logits of the last `forward` pass, [positions, V].
    public var logits: UnsafeMutablePointer<Float> { wholeLogits!.pointer }
    /// Gradient of the loss w.r.t. the logits; a loss fills every row before `backward()`.
    public var dlogits: UnsafeMutablePointer<Float> { whole(&wholeDLogits) }
    /// The final RMSNorm's output of the last forward pass, [positions, C].
    public var hidden: UnsafePointer<Float> { UnsafePointer(acts!.hFinal) }

    /// `buffer`, grown to the last forward pass's [positions, V] when smaller.
    private func whole(_ buffer: inout FloatBuffer?) -> UnsafeMutablePointer<Float> {
        FloatBuffer.reuse(&buffer, atLeast: acts!.layout.positions * config.vocabSize).pointer
    }

    private func activations(_ layout: AttentionLayout, forBackward: Bool) -> LlamaActivations {
        if let a = acts, a.layout == layout, a.forBackward == forBackward { return a }
        // The old storage's only other holder goes, so that a storage too small is freed before
        // its successor is allocated (SmolLM2's micro-batches take ~1.3 GB each).
        var old = acts?.storage
        acts = nil
        let a = LlamaActivations(config: config, layout: layout, forBackward: forBackward, reusing: &old)
        acts = a
        return a
    }

    /// Runs the model on `tokens` [layout.positions], laid out as `layout` says (a branch's
    /// positions continue after its prefix), and fills `logits` [positions, V].
    public func forward(_ tokens: UnsafePointer<Int32>, layout: AttentionLayout) throws {
        try forwardHidden(tokens, layout: layout, forBackward: true)
        let N = layout.positions
        linear_forward(whole(&wholeLogits), acts!.hFinal, head, nil, N: N, C: config.width, OC: config.vocabSize)
    }

    /// The body: every block and the final norm, up to `hidden` [positions, C]. Without
    /// `forBackward` only one layer's activations are kept (a pass that scores, not trains).
    public func forwardHidden(_ tokens: UnsafePointer<Int32>, layout: AttentionLayout, forBackward: Bool) throws {
        let c = config, V = c.vocabSize, C = c.width, L = c.layers, I = c.intermediate
        let S = c.qkvWidth, Q = c.qWidth, N = layout.positions
        guard N >= 1, layout.longestRow <= c.contextLength else {
            throw LlamaError.invalidInput("\(N) positions, the longest row \(layout.longestRow) (context is \(c.contextLength))")
        }
        for i in 0..<N where tokens[i] < 0 || Int(tokens[i]) >= V {
            throw LlamaError.invalidInput("token id \(tokens[i]) at position \(i) is outside the vocabulary 0..<\(V)")
        }
        let a = activations(layout, forBackward: forBackward)
        a.tokens.update(from: tokens, count: N)
        embedding_forward(a.residual, tokens, self[.embed], N: N, C: C)
        lora?.reserve(positions: N)
        let heads = c.attentionHeads, weights = c.heads * layout.weightsPerHead
        // Layer l's slot for what it saves, and its input's residual slot: one slot and two
        // residuals in turn when nothing is kept.
        func kept(_ l: Int) -> Int { forBackward ? l : 0 }
        func stream(_ l: Int) -> Int { forBackward ? l : l % 2 }
        a.positions.withUnsafeBufferPointer { pos in
            for l in 0..<L {
                let k = kept(l), output = a.residual + stream(l + 1) * N * C
                let b = LlamaBlockBuffers(
                    h1: a.h1 + k * N * C, rstd1: a.rstd1 + k * N, qkv: a.qkv + k * N * S, atty: a.atty + k * N * Q,
                    attnProj: a.residual2 + k * N * C, residual2: a.residual2 + k * N * C, h2: a.h2 + k * N * C,
                    rstd2: a.rstd2 + k * N, gateUp: a.gateUp + k * N * 2 * I, act: a.act + k * N * I,
                    mlpProj: output, output: output)
                block_forward(layer: l, input: a.residual + stream(l) * N * C, b, N: N, positions: pos.baseAddress!) {
                    attention_forward(b.atty, a.att + k * weights, b.qkv, layout: layout, heads: heads)
                }
            }
        }
        rmsnorm_forward(a.hFinal, a.rstdFinal, a.residual + stream(L) * N * C, self[.finalNorm], N: N, C: C, eps: c.rmsEps)
    }

    /// Back-propagates `dlogits` through the last forward pass, adding into `grads`.
    /// `hiddenGradient` [positions, C], when given, joins the head's gradient w.r.t. `hidden`.
    public func backward(hiddenGradient: UnsafePointer<Float>? = nil) {
        guard let a = acts, a.forBackward else { preconditionFailure("backward() without a forward pass that keeps its activations") }
        let N = a.layout.positions, C = config.width
        linear_backward(a.dhFinal, headGradient, nil, dlogits, a.hFinal, head, N: N, C: C, OC: config.vocabSize)
        if let extra = hiddenGradient { for i in 0..<(N * C) { a.dhFinal[i] += extra[i] } }
        bodyBackward(a)
    }

    /// Back-propagates d(loss)/d(hidden) [positions, C] (the head's part included) through the body.
    public func backward(fromHidden dHidden: UnsafePointer<Float>) {
        guard let a = acts, a.forBackward else { preconditionFailure("backward() without a forward pass that keeps its activations") }
        a.dhFinal.update(from: dHidden, count: a.layout.positions * config.width)
        bodyBackward(a)
    }

    /// From `a.dhFinal` down through the final norm and every block, adding into `grads` (or the adapters').
    private func bodyBackward(_ a: LlamaActivations) {
        let c = config, layout = a.layout, N = layout.positions
        let C = c.width, L = c.layers, I = c.intermediate, S = c.qkvWidth, Q = c.qWidth
        let heads = c.attentionHeads, weights = c.heads * layout.weightsPerHead
        let dres = a.dresidual
        dres.update(repeating: 0, count: N * C)
        rmsnorm_backward(dres, grad(.finalNorm), a.dhFinal, a.residual + L * N * C, self[.finalNorm], a.rstdFinal, N: N, C: C)
        // `dres` holds d(loss)/d(residual stream) as it flows down the layers.
        a.positions.withUnsafeBufferPointer { pos in
            for l in stride(from: L - 1, through: 0, by: -1) {
                let x = a.residual + l * N * C, h1 = a.h1 + l * N * C, qkv = a.qkv + l * N * S
                let atty = a.atty + l * N * Q, x2 = a.residual2 + l * N * C, h2 = a.h2 + l * N * C
                let gu = a.gateUp + l * N * 2 * I, act = a.act + l * N * I
                // MLP branch: out = x2 + down(swiglu(gateUp(rmsnorm(x2))))
                linear_backward(a.dact, grad(.wdown, layer: l), nil, dres, act, self[.wdown, layer: l], N: N, C: I, OC: C)
                lora?.backward(a.dact, dres, ld: C, act, tensor: .wdown, layer: l, N: N)
                swiglu_backward(a.dgateUp, gu, a.dact, N: N, I: I)
                linear_backward(a.dh, grad(.wgateUp, layer: l), nil, a.dgateUp, h2, self[.wgateUp, layer: l], N: N, C: C, OC: 2 * I)
                lora?.backward(a.dh, a.dgateUp, ld: 2 * I, h2, tensor: .wgateUp, layer: l, N: N)
                rmsnorm_backward(dres, grad(.mlpNorm, layer: l), a.dh, x2, self[.mlpNorm, layer: l], a.rstd2 + l * N, N: N, C: C)
                // Attention branch: x2 = x + o(attention(rope(qkv(rmsnorm(x)))))
                linear_backward(a.datty, grad(.wo, layer: l), nil, dres, atty, self[.wo, layer: l], N: N, C: Q, OC: C)
                lora?.backward(a.datty, dres, ld: C, atty, tensor: .wo, layer: l, N: N)
                attention_backward(a.dqkv, a.dattScratch, a.datty, qkv, a.att + l * weights, layout: layout, heads: heads)
                // The saved q and k are rotated; their gradients rotate back.
                rotary.apply(a.dqkv, ld: S, positions: pos.baseAddress!, N: N, heads: c.heads, inverse: true)
                rotary.apply(a.dqkv + Q, ld: S, positions: pos.baseAddress!, N: N, heads: c.kvHeads, inverse: true)
                linear_backward(a.dh, grad(.wqkv, layer: l), c.qkvBias ? grad(.bqkv, layer: l) : nil, a.dqkv, h1,
                                self[.wqkv, layer: l], N: N, C: C, OC: S)
                lora?.backward(a.dh, a.dqkv, ld: S, h1, tensor: .wqkv, layer: l, N: N)
                rmsnorm_backward(dres, grad(.attnNorm, layer: l), a.dh, x, self[.attnNorm, layer: l], a.rstd1 + l * N, N: N, C: C)
            }
        }
        if let dembed = grad(.embed) { embedding_backward(dembed, dres, a.tokens, N: N, C: C) }
    }

}
