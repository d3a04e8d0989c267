import CBLAS
import Kernels
import TinyGPT

extension Sampler {
    /// Pushes `queries` through every layer, writing their keys/values into the cache,
    /// and leaves logits for the queries at `logitsFor` in scratch.logits (in that order).
    func run(_ queries: [Query], logitsFor picks: [Int], cache: KVCache, scratch s: DecodeScratch) throws {
        let cfg = model.config
        let Q = queries.count, C = cfg.width, V = cfg.vocabSize, NH = cfg.heads, hs = C / NH
        let wte = model[.wte], wpe = model[.wpe]
        for (i, q) in queries.enumerated() {
            let o = s.x + i * C, e = wte + Int(q.token) * C, p = wpe + q.position * C
            for j in 0..<C { o[j] = e[j] + p[j] }
        }
        for l in 0..<cfg.layers {
            layernorm_forward(s.ln, s.mean, s.rstd, s.x, model[.ln1w, layer: l], model[.ln1b, layer: l], N: Q, C: C)
            matmul_forward(s.qkv, s.ln, model[.qkvw, layer: l], model[.qkvb, layer: l], N: Q, C: C, OC: 3 * C)
            // Store this layer's keys and values before anyone attends to them.
            for (i, q) in queries.enumerated() {
                let src = s.qkv + i * 3 * C
                let slot = q.row < 0 ? cache.promptSlot(layer: l, prompt: q.prompt) : cache.rowSlot(layer: l, row: q.row)
                let at = (q.row < 0 ? q.position : q.rowVisible - 1) * C
                (slot.k + at).update(from: src + C, count: C)
                (slot.v + at).update(from: src + 2 * C, count: C)
            }
            let scale = 1 / Float(hs).squareRoot()
            Parallel.forChunks(Q, minChunk: 4) { range in
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: cache.promptCapacity + cache.rowCapacity)
                defer { scores.deallocate() }
                for i in range {
                    let q = queries[i]
                    let ps = cache.promptSlot(layer: l, prompt: q.prompt)
                    let rs = q.row < 0 ? ps : cache.rowSlot(layer: l, row: q.row)
                    for h in 0..<NH {
                        attendOne(out: s.atty + i * C + h * hs, query: s.qkv + i * 3 * C + h * hs,
                                  (ps.k + h * hs, ps.v + h * hs, q.promptVisible),
                                  (rs.k + h * hs, rs.v + h * hs, q.rowVisible),
                                  stride: C, hs: hs, scale: scale, scores: scores)
                    }
                }
            }
            matmul_forward(s.proj, s.atty, model[.attprojw, layer: l], model[.attprojb, layer: l], N: Q, C: C, OC: C)
            residual_forward(s.x, s.x, s.proj, N: Q * C)
            layernorm_forward(s.ln, s.mean, s.rstd, s.x, model[.ln2w, layer: l], model[.ln2b, layer: l], N: Q, C: C)
            matmul_forward(s.fch, s.ln, model[.fcw, layer: l], model[.fcb, layer: l], N: Q, C: C, OC: 4 * C)
            gelu_forward(s.fchGelu, s.fch, N: Q * 4 * C)
            matmul_forward(s.proj, s.fchGelu, model[.fcprojw, layer: l], model[.fcprojb, layer: l], N: Q, C: 4 * C, OC: C)
            residual_forward(s.x, s.x, s.proj, N: Q * C)
        }
        // Final LayerNorm and tied head, only for the rows whose next token we need.
        for (j, i) in picks.enumerated() where j != i { (s.x + j * C).update(from: s.x + i * C, count: C) }
        let P = picks.count
        layernorm_forward(s.lnf, s.mean, s.rstd, s.x, model[.lnfw], model[.lnfb], N: P, C: C)
        GEMM.sgemm(transA: false, transB: true, M: P, N: V, K: C, s.lnf, lda: C, wte, ldb: C, beta: 0, s.logits, ldc: V)
    }
}

private typealias Segment = (k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, n: Int)

/// One head of one query: softmax(q·k/√hs) over the visible keys of the prompt's
/// segment and then the row's own segment, times v.
@inline(__always)
private func attendOne(out: UnsafeMutablePointer<Float>, query: UnsafePointer<Float>,
                       _ a: Segment, _ b: Segment,
                       stride: Int, hs: Int, scale: Float, scores: UnsafeMutablePointer<Float>) {
    scoreSegment(a, query, stride: stride, hs: hs, scale: scale, into: scores)
    scoreSegment(b, query, stride: stride, hs: hs, scale: scale, into: scores + a.n)
    let n = a.n + b.n
    let mx = rowMax(scores, n)
    let inv = 1 / expShifted(scores, scores, n, shift: mx)
    out.update(repeating: 0, count: hs)
    mixSegment(a, weights: scores, inv: inv, stride: stride, hs: hs, into: out)
    mixSegment(b, weights: scores + a.n, inv: inv, stride: stride, hs: hs, into: out)
}

@inline(__always)
private func scoreSegment(_ seg: Segment, _ q: UnsafePointer<Float>, stride: Int, hs: Int, scale: Float,
                          into scores: UnsafeMutablePointer<Float>) {
    let vec = hs & ~7
    for j in 0..<seg.n {
        let k = seg.k + j * stride
        var acc = SIMD8<Float>()
        var t = 0
        while t < vec { acc += load8(q + t) * load8(k + t); t += 8 }
        var d = acc.sum()
        while t < hs { d += q[t] * k[t]; t += 1 }
        scores[j] = d * scale
    }
}

@inline(__always)
private func mixSegment(_ seg: Segment, weights: UnsafePointer<Float>, inv: Float, stride: Int, hs: Int,
                        into out: UnsafeMutablePointer<Float>) {
    let vec = hs & ~7
    for j in 0..<seg.n {
        let w = weights[j] * inv
        let v = seg.v + j * stride
        var t = 0
        while t < vec { store8(out + t, load8(out + t) + w * load8(v + t)); t += 8 }
        while t < hs { out[t] += w * v[t]; t += 1 }
    }
}
