import Kernels
import TinyGPT

extension Sampler {
    /// Pushes `queries` through every layer, writing their keys/values into the cache,
    /// and leaves logits for the queries at `logitsFor` (ascending) in scratch.logits,
    /// in that order.
    ///
    /// Queries are independent of each other except within a prompt being prefilled,
    /// so they are cut into one contiguous piece per core (never inside a prompt) and
    /// each piece goes through the whole model on its own core: one hand-off per call
    /// instead of one per kernel, and the small kernels between the GEMMs run in parallel too.
    func run(_ queries: [Query], logitsFor picks: [Int], cache: KVCache, scratch s: DecodeScratch) {
        let pieces = Parallel.ranges(queries.count) { i in
            queries[i].row >= 0 || queries[i].prompt != queries[i - 1].prompt
        }
        Parallel.partition(pieces) { range in
            forward(queries, range, cache: cache, scratch: s)
            // The logits of the picks inside this piece go to their rows in pick order.
            let lo = picks.firstIndex { $0 >= range.lowerBound } ?? picks.count
            let hi = picks.firstIndex { $0 >= range.upperBound } ?? picks.count
            if lo < hi { head(picks, lo..<hi, scratch: s) }
        }
    }

    /// The transformer blocks for queries[range]; rows of the scratch are the query indices.
    private func forward(_ queries: [Query], _ range: Range<Int>, cache: KVCache, scratch s: DecodeScratch) {
        let cfg = model.config
        let Q = range.count, C = cfg.width, NH = cfg.heads, at = range.lowerBound
        let wte = model[.wte], wpe = model[.wpe]
        let x = s.x + at * C, ln = s.ln + at * C, qkv = s.qkv + at * 3 * C, atty = s.atty + at * C
        let proj = s.proj + at * C, fch = s.fch + at * 4 * C, fchGelu = s.fchGelu + at * 4 * C
        let mean = s.mean + at, rstd = s.rstd + at
        for i in range {
            let q = queries[i], o = s.x + i * C, e = wte + Int(q.token) * C, p = wpe + q.position * C
            for j in 0..<C { o[j] = e[j] + p[j] }
        }
        let attention = DecodeAttention(heads: NH, width: C, keys: cache.promptCapacity + cache.rowCapacity)
        // Nothing is kept for a backward pass: the residual stream is updated in place in x.
        let b = BlockBuffers(ln1: ln, ln1Mean: mean, ln1Rstd: rstd, qkv: qkv, atty: atty, attproj: proj, residual2: x,
                             ln2: ln, ln2Mean: mean, ln2Rstd: rstd, fch: fch, fchGelu: fchGelu, fcproj: proj, output: x)
        for l in 0..<cfg.layers {
            model.block_forward(layer: l, input: x, b, N: Q) {
                // Store this layer's keys and values before anyone attends to them.
                for i in range {
                    let q = queries[i], src = s.qkv + i * 3 * C
                    let slot = q.row < 0 ? cache.promptSlot(layer: l, prompt: q.prompt) : cache.rowSlot(layer: l, row: q.row)
                    slot.store(position: q.row < 0 ? q.position : q.rowVisible - 1, key: src + C, value: src + 2 * C, width: C)
                }
                for i in range {
                    let q = queries[i]
                    let ps = cache.promptSlot(layer: l, prompt: q.prompt)
                    let rs = q.row < 0 ? ps : cache.rowSlot(layer: l, row: q.row)
                    attention.attend(out: s.atty + i * C, query: s.qkv + i * 3 * C,
                                     (ps, q.promptVisible), (rs, q.rowVisible))
                }
            }
        }
    }

    /// Final LayerNorm and tied head for picks[js]: row j of lnf and logits holds query picks[j].
    private func head(_ picks: [Int], _ js: Range<Int>, scratch s: DecodeScratch) {
        let C = model.config.width, V = model.config.vocabSize
        for j in js {
            let i = picks[j]
            layernorm_forward(s.lnf + j * C, s.mean + i, s.rstd + i, s.x + i * C, model[.lnfw], model[.lnfb], N: 1, C: C)
        }
        GEMM.sgemm(transA: false, transB: true, M: js.count, N: V, K: C, s.lnf + js.lowerBound * C, lda: C,
                   model[.wte], ldb: C, beta: 0, s.logits + js.lowerBound * V, ldc: V)
    }
}
