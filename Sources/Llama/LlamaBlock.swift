import Kernels

/// Where one Llama block reads and writes for N positions. Training keeps every buffer (the
/// backward pass needs them); the sampler points several at one scratch, since it keeps nothing.
public struct LlamaBlockBuffers {
    public var h1, rstd1, qkv, atty, attnProj, residual2, h2, rstd2, gateUp, act, mlpProj, output: UnsafeMutablePointer<Float>
    /// The LoRA adapters' intermediate [N, rank] when it is not kept (the sampler's, per thread);
    /// nil: the adapters keep it for the backward pass.
    public var loraScratch: UnsafeMutablePointer<Float>? = nil

    public init(h1: UnsafeMutablePointer<Float>, rstd1: UnsafeMutablePointer<Float>, qkv: UnsafeMutablePointer<Float>,
                atty: UnsafeMutablePointer<Float>, attnProj: UnsafeMutablePointer<Float>, residual2: UnsafeMutablePointer<Float>,
                h2: UnsafeMutablePointer<Float>, rstd2: UnsafeMutablePointer<Float>, gateUp: UnsafeMutablePointer<Float>,
                act: UnsafeMutablePointer<Float>, mlpProj: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
        self.h1 = h1; self.rstd1 = rstd1; self.qkv = qkv; self.atty = atty; self.attnProj = attnProj
        self.residual2 = residual2; self.h2 = h2; self.rstd2 = rstd2; self.gateUp = gateUp; self.act = act
        self.mlpProj = mlpProj; self.output = output
    }
}

extension Llama {
    /// Block `l` over N positions, the one recipe training and sampling share:
    ///   residual2 = input + o(attention(rope(qkv(rmsnorm(input)))))
    ///   output    = residual2 + down(silu(gate(rmsnorm(residual2))) · up(rmsnorm(residual2)))
    /// `positions` [N] place each row for the rotary embedding; `attend` turns the rotated
    /// `b.qkv` [N, qkvWidth] into `b.atty` [N, qWidth]: causal attention over the batch in
    /// training, over the key/value cache in the sampler.
    public func block_forward(layer l: Int, input: UnsafeMutablePointer<Float>, _ b: LlamaBlockBuffers, N: Int,
                              positions: UnsafePointer<Int32>, attend: () -> Void) {
        let c = config, C = c.width, S = c.qkvWidth, Q = c.qWidth, I = c.intermediate
        rmsnorm_forward(b.h1, b.rstd1, input, self[.attnNorm, layer: l], N: N, C: C, eps: c.rmsEps)
        linear_forward(b.qkv, b.h1, self[.wqkv, layer: l], c.qkvBias ? self[.bqkv, layer: l] : nil, N: N, C: C, OC: S)
        lora?.forward(b.qkv, ld: S, b.h1, tensor: .wqkv, layer: l, N: N, scratch: b.loraScratch)
        rotary.apply(b.qkv, ld: S, positions: positions, N: N, heads: c.heads)
        rotary.apply(b.qkv + Q, ld: S, positions: positions, N: N, heads: c.kvHeads)
        attend()
        linear_forward(b.attnProj, b.atty, self[.wo, layer: l], nil, N: N, C: Q, OC: C)
        lora?.forward(b.attnProj, ld: C, b.atty, tensor: .wo, layer: l, N: N, scratch: b.loraScratch)
        residual_forward(b.residual2, input, b.attnProj, N: N * C)
        rmsnorm_forward(b.h2, b.rstd2, b.residual2, self[.mlpNorm, layer: l], N: N, C: C, eps: c.rmsEps)
        linear_forward(b.gateUp, b.h2, self[.wgateUp, layer: l], nil, N: N, C: C, OC: 2 * I)
        lora?.forward(b.gateUp, ld: 2 * I, b.h2, tensor: .wgateUp, layer: l, N: N, scratch: b.loraScratch)
        swiglu_forward(b.act, b.gateUp, N: N, I: I)
        linear_forward(b.mlpProj, b.act, self[.wdown, layer: l], nil, N: N, C: I, OC: C)
        lora?.forward(b.mlpProj, ld: C, b.act, tensor: .wdown, layer: l, N: N, scratch: b.loraScratch)
        residual_forward(b.output, b.residual2, b.mlpProj, N: N * C)
    }

    /// The final RMSNorm and the LM head for N rows: logits [N, V].
    public func head_forward(_ logits: UnsafeMutablePointer<Float>, _ hidden: UnsafeMutablePointer<Float>,
                             _ rstd: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, N: Int) {
        let c = config
        rmsnorm_forward(hidden, rstd, x, self[.finalNorm], N: N, C: c.width, eps: c.rmsEps)
        linear_forward(logits, hidden, head, nil, N: N, C: c.width, OC: c.vocabSize)
    }
}
