import Kernels

/// A GPT-2 language model with hand-written forward and backward passes.
///
/// All parameters live in one flat buffer (`params`) in `layout` order; `grads`
/// has the same layout. A training step is:
///
///     model.forward(tokens, B: B, T: T)      // fills model.logits [B, T, V]
///     /* a loss writes model.dlogits */
///     model.backward()                       // accumulates into model.grads
///
/// The model knows nothing about losses: supervised and RL objectives only
/// differ in what they write into `dlogits`.
public final class GPT: CausalLM {
    public let config: GPTConfig
    public let layout: ParameterLayout
    public let params: FloatBuffer
    /// Allocated at the first backward pass or gradient access: a model that only samples or
    /// scores (the KL reference, an actor's copy) never holds a second copy of its size.
    public private(set) lazy var grads = FloatBuffer(count: layout.count)
    private var acts: Activations?

    public init(config: GPTConfig) throws {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config)
        params = FloatBuffer(count: layout.count)
    }

    /// GPT-2 initialisation: N(0, 0.02) for matrices, residual projections
    /// scaled by 1/√(2·layers), LayerNorm gains 1, biases 0. Deterministic in `seed`.
    public func initialize(seed: UInt64) {
        var rng = Xoshiro256(seed: seed)
        params.zero()
        let residualStd = 0.02 / Float(2 * config.layers).squareRoot()
        for t in ParameterTensor.allCases {
            let p = self[t]
            let n = layout.size(t)
            switch t {
            case .ln1w, .ln2w, .lnfw: p.update(repeating: 1, count: n)
            case .wte, .wpe, .qkvw, .fcw: for i in 0..<n { p[i] = 0.02 * rng.normal() }
            case .attprojw, .fcprojw: for i in 0..<n { p[i] = residualStd * rng.normal() }
            default: break
            }
        }
    }

    /// Parameter tensor `t` (layer `layer`'s slice for per-layer tensors).
    public subscript(_ t: ParameterTensor, layer layer: Int = 0) -> UnsafeMutablePointer<Float> {
        params.pointer + layout.offset(t, layer: layer)
    }

    func grad(_ t: ParameterTensor, layer: Int = 0) -> UnsafeMutablePointer<Float> {
        grads.pointer + layout.offset(t, layer: layer)
    }

    public var vocabSize: Int { config.vocabSize }
    public var contextLength: Int { config.contextLength }
    public var width: Int { config.width }
    /// Activations, logits and their gradients per position of a training pass (attention weights aside).
    public var bytesPerPosition: Int { 4 * Activations.sizes(config, positions: 1, weights: 0).reduce(0, +) }

    public var decayRanges: [(range: Range<Int>, decays: Bool)] { layout.decayRanges }

    public func twin() throws -> GPT {
        let m = try GPT(config: config)
        m.params.copy(from: params)
        return m
    }

    /// Logits of the last forward pass, [positions, V] ([B, T, V] for a dense batch).
    public var logits: UnsafeMutablePointer<Float> { acts!.logits }
    /// Gradient of the loss w.r.t. the logits; a loss fills every row (zeros where it has
    /// no target) before `backward()`: the buffer is reused between batches, not cleared.
    public var dlogits: UnsafeMutablePointer<Float> { acts!.dlogits }
    /// The final LayerNorm's output of the last forward pass, [positions, C]: what the head reads.
    public var hidden: UnsafePointer<Float> { UnsafePointer(acts!.lnf) }

    private func activations(_ layout: AttentionLayout) -> Activations {
        if let a = acts, a.layout == layout { return a }
        // The old storage's only other holder goes: a storage too small is freed before its successor comes.
        var old = acts?.storage
        acts = nil
        let a = Activations(config: config, layout: layout, reusing: &old)
        acts = a
        return a
    }

    /// Runs the model on `tokens` [B, T] (row-major, every row on its own) and fills `logits`.
    public func forward(_ tokens: UnsafePointer<Int32>, B: Int, T: Int) throws {
        guard T >= 1, B >= 1 else { throw GPTError.invalidInput("batch \(B) × length \(T)") }
        try forward(tokens, layout: .dense(rows: B, length: T))
    }

    /// Runs the model on `tokens` [layout.positions], laid out as `layout` says (rows that
    /// share a prefix hold it once), and fills `logits` [layout.positions, V].
    public func forward(_ tokens: UnsafePointer<Int32>, layout: AttentionLayout) throws {
        try forwardHidden(tokens, layout: layout, forBackward: true)
        let a = acts!, V = config.vocabSize, C = config.width
        // Tied head: logits = lnf · wteᵀ
        GEMM.sgemm(transA: false, transB: true, M: layout.positions, N: V, K: C, a.lnf, lda: C, self[.wte], ldb: C,
                   beta: 0, a.logits, ldc: V)
    }

    /// The trunk and the final LayerNorm, up to `hidden` (the toy's activations are small: all
    /// are kept whatever `forBackward` says).
    public func forwardHidden(_ tokens: UnsafePointer<Int32>, layout: AttentionLayout, forBackward: Bool) throws {
        let V = config.vocabSize, C = config.width, L = config.layers, NH = config.heads
        let N = layout.positions
        guard N >= 1, layout.longestRow <= config.contextLength else {
            throw GPTError.invalidInput("\(N) positions, the longest row \(layout.longestRow) (context is \(config.contextLength))")
        }
        for i in 0..<N where tokens[i] < 0 || Int(tokens[i]) >= V {
            throw GPTError.invalidInput("token id \(tokens[i]) at position \(i) is outside the vocabulary 0..<\(V)")
        }
        let a = activations(layout)
        a.tokens.update(from: tokens, count: N)
        a.positions.withUnsafeBufferPointer {
            encoder_forward(a.encoded, tokens, $0.baseAddress!, self[.wte], self[.wpe], N: N, C: C)
        }
        for l in 0..<L {
            let input = l == 0 ? a.encoded : a.residual3 + (l - 1) * N * C
            let b = BlockBuffers(ln1: a.ln1 + l * N * C, ln1Mean: a.ln1Mean + l * N, ln1Rstd: a.ln1Rstd + l * N,
                                 qkv: a.qkv + l * N * 3 * C, atty: a.atty + l * N * C, attproj: a.attproj + l * N * C,
                                 residual2: a.residual2 + l * N * C, ln2: a.ln2 + l * N * C, ln2Mean: a.ln2Mean + l * N,
                                 ln2Rstd: a.ln2Rstd + l * N, fch: a.fch + l * N * 4 * C, fchGelu: a.fchGelu + l * N * 4 * C,
                                 fcproj: a.fcproj + l * N * C, output: a.residual3 + l * N * C)
            block_forward(layer: l, input: input, b, N: N) {
                attention_forward(b.atty, a.att + l * NH * layout.weightsPerHead, b.qkv, layout: layout, C: C, NH: NH)
            }
        }
        let last = a.residual3 + (L - 1) * N * C
        layernorm_forward(a.lnf, a.lnfMean, a.lnfRstd, last, self[.lnfw], self[.lnfb], N: N, C: C)
    }

    /// The tied head: the token embedding.
    public var headWeights: UnsafePointer<Float> { UnsafePointer(self[.wte]) }
    public var headGradient: UnsafeMutablePointer<Float>? { grad(.wte) }

    /// Back-propagates `dlogits` through the last forward pass, adding into `grads`.
    /// `hiddenGradient` [positions, C], when given, is a second loss's gradient w.r.t. `hidden`
    /// (a value head sharing the trunk): it joins the head's before the trunk.
    public func backward(hiddenGradient: UnsafePointer<Float>? = nil) {
        guard let a = acts else { preconditionFailure("backward() before forward()") }
        let N = a.layout.positions, V = config.vocabSize, C = config.width
        // Tied head: dlnf = dlogits · wte ; dwte += dlogitsᵀ · lnf
        GEMM.sgemm(transA: false, transB: false, M: N, N: C, K: V, a.dlogits, lda: V, self[.wte], ldb: C,
                   beta: 0, a.dlnf, ldc: C)
        if let extra = hiddenGradient { for i in 0..<(N * C) { a.dlnf[i] += extra[i] } }
        GEMM.sgemm(transA: true, transB: false, M: V, N: C, K: N, a.dlogits, lda: V, a.lnf, ldb: C,
                   beta: 1, grad(.wte), ldc: C)
        trunkBackward(a)
    }

    /// Back-propagates d(loss)/d(hidden) [positions, C] (the head's part included) through the trunk.
    public func backward(fromHidden dHidden: UnsafePointer<Float>) {
        guard let a = acts else { preconditionFailure("backward() before forward()") }
        a.dlnf.update(from: dHidden, count: a.layout.positions * config.width)
        trunkBackward(a)
    }

    /// From `a.dlnf` down through the final LayerNorm and every block, adding into `grads`.
    private func trunkBackward(_ a: Activations) {
        let layout = a.layout, N = layout.positions
        let C = config.width, L = config.layers, NH = config.heads
        let dres = a.dresidual
        dres.update(repeating: 0, count: N * C)
        layernorm_backward(dres, grad(.lnfw), grad(.lnfb), a.dlnf, a.residual3 + (L - 1) * N * C,
                           self[.lnfw], a.lnfMean, a.lnfRstd, N: N, C: C)
        // `dres` holds d(loss)/d(residual stream) as it flows down the layers.
        for l in stride(from: L - 1, through: 0, by: -1) {
            let residual = l == 0 ? a.encoded : a.residual3 + (l - 1) * N * C
            let ln1 = a.ln1 + l * N * C, qkv = a.qkv + l * N * 3 * C, atty = a.atty + l * N * C
            let att = a.att + l * NH * layout.weightsPerHead
            let res2 = a.residual2 + l * N * C, ln2 = a.ln2 + l * N * C
            let fch = a.fch + l * N * 4 * C, fchGelu = a.fchGelu + l * N * 4 * C
            // MLP branch: res3 = res2 + fcproj(gelu(fc(ln2(res2))))
            matmul_backward(a.dfchGelu, grad(.fcprojw, layer: l), grad(.fcprojb, layer: l), dres,
                            fchGelu, self[.fcprojw, layer: l], N: N, C: 4 * C, OC: C)
            gelu_backward(a.dfch, fch, a.dfchGelu, N: N * 4 * C)
            matmul_backward(a.dln, grad(.fcw, layer: l), grad(.fcb, layer: l), a.dfch,
                            ln2, self[.fcw, layer: l], N: N, C: C, OC: 4 * C)
            layernorm_backward(dres, grad(.ln2w, layer: l), grad(.ln2b, layer: l), a.dln, res2,
                               self[.ln2w, layer: l], a.ln2Mean + l * N, a.ln2Rstd + l * N, N: N, C: C)
            // Attention branch: res2 = residual + attproj(attn(qkv(ln1(residual))))
            matmul_backward(a.datty, grad(.attprojw, layer: l), grad(.attprojb, layer: l), dres,
                            atty, self[.attprojw, layer: l], N: N, C: C, OC: C)
            attention_backward(a.dqkv, a.dattScratch, a.datty, qkv, att, layout: layout, C: C, NH: NH)
            matmul_backward(a.dln, grad(.qkvw, layer: l), grad(.qkvb, layer: l), a.dqkv,
                            ln1, self[.qkvw, layer: l], N: N, C: C, OC: 3 * C)
            layernorm_backward(dres, grad(.ln1w, layer: l), grad(.ln1b, layer: l), a.dln, residual,
                               self[.ln1w, layer: l], a.ln1Mean + l * N, a.ln1Rstd + l * N, N: N, C: C)
        }
        a.positions.withUnsafeBufferPointer {
            encoder_backward(grad(.wte), grad(.wpe), dres, a.tokens, $0.baseAddress!, N: N, C: C)
        }
    }

}

extension AdamW {
    /// AdamW over a GPT's parameters (matrices decayed).
    public convenience init(layout: ParameterLayout, config: AdamWConfig = AdamWConfig()) {
        self.init(count: layout.count, decayRanges: layout.decayRanges, config: config)
    }
}
