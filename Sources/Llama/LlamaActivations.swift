import Kernels

/// What a Llama forward pass saves for its backward pass, plus the backward's scratch, sized
/// for one batch's `AttentionLayout`. Per-layer activations are stacked over layers; the
/// gradient scratch is reused layer to layer (only the residual gradient travels). The logits
/// are not here: `Llama` keeps them apart, for the callers that want them whole.
final class LlamaActivations {
    let layout: AttentionLayout
    let storage: FloatBuffer
    /// Whether every layer's activations are kept for a backward pass; a pass that only scores
    /// (the KL reference, an audit) keeps one layer's, and two residual slots used in turn.
    let forBackward: Bool

    // forward, saved: residual[l] is layer l's input (residual[L] the last block's output)
    let residual, h1, rstd1, qkv, att, atty, residual2, h2, rstd2, gateUp, act: UnsafeMutablePointer<Float>
    let hFinal, rstdFinal: UnsafeMutablePointer<Float>
    // backward scratch
    let dresidual, dh, dqkv, dattScratch, datty, dact, dgateUp, dhFinal: UnsafeMutablePointer<Float>
    let tokens: UnsafeMutablePointer<Int32>
    /// Each position's index in its row: a branch continues after its prefix.
    let positions: [Int32]

    init(config c: LlamaConfig, layout: AttentionLayout, forBackward: Bool = true, reusing old: inout FloatBuffer?) {
        self.layout = layout
        self.forBackward = forBackward
        positions = layout.positionIndices()
        let sizes = Self.sizes(c, positions: layout.positions, weights: c.heads * layout.weightsPerHead, forBackward: forBackward)
        let total = sizes.reduce(0, +)
        // Not re-zeroed: the forward writes every saved buffer, the backward every scratch
        // buffer before reading it.
        storage = FloatBuffer.reuse(&old, atLeast: total)
        let p = storage.slices(sizes)
        (residual, h1, rstd1, qkv, att, atty, residual2, h2, rstd2) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8])
        (gateUp, act, hFinal, rstdFinal) = (p[9], p[10], p[11], p[12])
        (dresidual, dh, dqkv, dattScratch, datty, dact, dgateUp, dhFinal) = (p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20])
        tokens = .allocate(capacity: max(layout.positions, 1))
        tokens.initialize(repeating: 0, count: max(layout.positions, 1))
    }

    deinit { tokens.deallocate() }

    /// The buffers' sizes in floats for N positions and `weights` attention weights per layer
    /// (one layer's and no backward scratch when the pass only scores).
    static func sizes(_ c: LlamaConfig, positions N: Int, weights: Int, forBackward: Bool = true) -> [Int] {
        let C = c.width, L = forBackward ? c.layers : 1, I = c.intermediate, S = c.qkvWidth, Q = c.qWidth
        let B = forBackward ? 1 : 0
        return [
            (L + 1) * N * C, L * N * C, L * N, L * N * S, L * weights, L * N * Q, L * N * C, L * N * C, L * N,
            L * N * 2 * I, L * N * I,
            N * C, N,
            B * N * C, B * N * C, B * N * S, B * weights, B * N * Q, B * N * I, B * N * 2 * I, B * N * C,
        ]
    }
}
