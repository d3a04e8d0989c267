import Kernels

/// Everything the forward pass saves for the backward pass, plus the gradient
/// scratch the backward pass needs, sized for one batch's `AttentionLayout`.
/// Per-layer activations are stacked over layers; gradient scratch is reused
/// layer to layer (only the residual gradient travels between them).
final class Activations {
    let layout: AttentionLayout
    /// One allocation for all of it; a later, smaller or equal batch shape reuses it.
    let storage: FloatBuffer

    // forward, saved
    let encoded, ln1, ln1Mean, ln1Rstd, qkv, atty, att, attproj, residual2: UnsafeMutablePointer<Float>
    let ln2, ln2Mean, ln2Rstd, fch, fchGelu, fcproj, residual3: UnsafeMutablePointer<Float>
    let lnf, lnfMean, lnfRstd, logits: UnsafeMutablePointer<Float>
    // backward scratch
    let dresidual, dln, dqkv, datty, dfch, dfchGelu, dlnf, dlogits, dattScratch: UnsafeMutablePointer<Float>
    let tokens: UnsafeMutablePointer<Int32>
    /// Each position's index in its row (the position embedding's row).
    let positions: [Int32]

    /// `reusing` a previous shape's storage when it is large enough: fresh pages cost a
    /// page fault each, which showed up as 10 % of an RL step whose batch shape varies.
    init(config c: GPTConfig, layout: AttentionLayout, reusing old: inout FloatBuffer?) {
        self.layout = layout
        positions = layout.positionIndices()
        let sizes = Self.sizes(c, positions: layout.positions, weights: c.heads * layout.weightsPerHead)
        // Not re-zeroed when reused (2 % of an RL step): the forward writes every saved buffer,
        // the backward writes every scratch buffer before reading it, and a loss fills all of
        // `dlogits` (GPT.dlogits says so).
        storage = FloatBuffer.reuse(&old, atLeast: sizes.reduce(0, +))
        let ptrs = storage.slices(sizes)
        (encoded, ln1, ln1Mean, ln1Rstd, qkv, atty, att, attproj, residual2) =
            (ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5], ptrs[6], ptrs[7], ptrs[8])
        (ln2, ln2Mean, ln2Rstd, fch, fchGelu, fcproj, residual3) =
            (ptrs[9], ptrs[10], ptrs[11], ptrs[12], ptrs[13], ptrs[14], ptrs[15])
        (lnf, lnfMean, lnfRstd, logits) = (ptrs[16], ptrs[17], ptrs[18], ptrs[19])
        (dresidual, dln, dqkv, datty, dfch, dfchGelu, dlnf, dlogits, dattScratch) =
            (ptrs[20], ptrs[21], ptrs[22], ptrs[23], ptrs[24], ptrs[25], ptrs[26], ptrs[27], ptrs[28])
        tokens = .allocate(capacity: layout.positions)
        tokens.initialize(repeating: 0, count: layout.positions)
    }

    deinit { tokens.deallocate() }

    /// The buffers' sizes in floats for N positions and `weights` attention weights per layer.
    static func sizes(_ c: GPTConfig, positions N: Int, weights: Int) -> [Int] {
        let C = c.width, L = c.layers, V = c.vocabSize
        return [
            N * C, L * N * C, L * N, L * N, L * N * 3 * C, L * N * C, L * weights, L * N * C, L * N * C,
            L * N * C, L * N, L * N, L * N * 4 * C, L * N * 4 * C, L * N * C, L * N * C,
            N * C, N, N, N * V,
            N * C, N * C, N * 3 * C, N * C, N * 4 * C, N * 4 * C, N * C, N * V, weights,
        ]
    }
}
