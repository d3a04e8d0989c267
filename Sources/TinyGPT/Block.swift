import Kernels

/// Where one transformer block reads and writes for N positions. Training keeps every
/// buffer (backward needs them); the sampler points several at the same scratch
/// (`residual2` and `output` at the input, both LayerNorms at one buffer) since it keeps nothing.
public struct BlockBuffers {
    public var ln1, ln1Mean, ln1Rstd, qkv, atty, attproj, residual2: UnsafeMutablePointer<Float>
    public var ln2, ln2Mean, ln2Rstd, fch, fchGelu, fcproj, output: UnsafeMutablePointer<Float>

    public init(ln1: UnsafeMutablePointer<Float>, ln1Mean: UnsafeMutablePointer<Float>, ln1Rstd: UnsafeMutablePointer<Float>,
                qkv: UnsafeMutablePointer<Float>, atty: UnsafeMutablePointer<Float>, attproj: UnsafeMutablePointer<Float>,
                residual2: UnsafeMutablePointer<Float>, ln2: UnsafeMutablePointer<Float>, ln2Mean: UnsafeMutablePointer<Float>,
                ln2Rstd: UnsafeMutablePointer<Float>, fch: UnsafeMutablePointer<Float>, fchGelu: UnsafeMutablePointer<Float>,
                fcproj: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
        self.ln1 = ln1; self.ln1Mean = ln1Mean; self.ln1Rstd = ln1Rstd; self.qkv = qkv; self.atty = atty
        self.attproj = attproj; self.residual2 = residual2; self.ln2 = ln2; self.ln2Mean = ln2Mean; self.ln2Rstd = ln2Rstd
        self.fch = fch; self.fchGelu = fchGelu; self.fcproj = fcproj; self.output = output
    }
}

extension GPT {
    /// Block `l` of the model over N positions, the one recipe training and sampling share:
    ///   residual2 = input + attproj(attention(qkv(ln1(input))))
    ///   output    = residual2 + fcproj(gelu(fc(ln2(residual2))))
    /// `attend` turns `b.qkv` [N, 3C] into `b.atty` [N, C]: causal attention over the batch
    /// in training, over the key/value cache in the sampler.
    public func block_forward(layer l: Int, input: UnsafeMutablePointer<Float>, _ b: BlockBuffers, N: Int, attend: () -> Void) {
        let C = config.width
        layernorm_forward(b.ln1, b.ln1Mean, b.ln1Rstd, input, self[.ln1w, layer: l], self[.ln1b, layer: l], N: N, C: C)
        matmul_forward(b.qkv, b.ln1, self[.qkvw, layer: l], self[.qkvb, layer: l], N: N, C: C, OC: 3 * C)
        attend()
        matmul_forward(b.attproj, b.atty, self[.attprojw, layer: l], self[.attprojb, layer: l], N: N, C: C, OC: C)
        residual_forward(b.residual2, input, b.attproj, N: N * C)
        layernorm_forward(b.ln2, b.ln2Mean, b.ln2Rstd, b.residual2, self[.ln2w, layer: l], self[.ln2b, layer: l], N: N, C: C)
        matmul_forward(b.fch, b.ln2, self[.fcw, layer: l], self[.fcb, layer: l], N: N, C: C, OC: 4 * C)
        gelu_forward(b.fchGelu, b.fch, N: N * 4 * C)
        matmul_forward(b.fcproj, b.fchGelu, self[.fcprojw, layer: l], self[.fcprojb, layer: l], N: N, C: 4 * C, OC: C)
        residual_forward(b.output, b.residual2, b.fcproj, N: N * C)
    }
}
