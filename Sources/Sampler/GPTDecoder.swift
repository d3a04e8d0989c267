import Kernels
import TinyGPT

/// GPT-2's layers over the cache.
final class GPTDecoder: DecodeEngine {
    let model: GPT
    private var scratch: DecodeScratch?

    init(_ model: GPT) { self.model = model }

    var shape: DecodeShape {
        let c = model.config
        return DecodeShape(vocabSize: c.vocabSize, contextLength: c.contextLength, layers: c.layers, kvWidth: c.width)
    }

    func reserve(rows: Int, picks: Int) {
        if let s = scratch, s.capacity >= rows, s.picks >= picks { return }
        scratch = nil  // let the old one go before its successor is allocated
        scratch = DecodeScratch(config: model.config, capacity: rows, picks: picks)
    }

    var logits: UnsafeMutablePointer<Float> { scratch!.logits }

    func blocks(_ queries: [Query], _ range: Range<Int>, cache: KVCache) {
        let s = scratch!, cfg = model.config
        let Q = range.count, C = cfg.width, NH = cfg.heads, at = range.lowerBound
        let wte = model[.wte], wpe = model[.wpe]
        let x = s.x + at * C, ln = s.ln + at * C, qkv = s.qkv + at * 3 * C, atty = s.atty + at * C
        let proj = s.proj + at * C, fch = s.fch + at * 4 * C, fchGelu = s.fchGelu + at * 4 * C
        let mean = s.mean + at, rstd = s.rstd + at
        for i in range {
            let q = queries[i], o = s.x + i * C, e = wte + Int(q.token) * C, p = wpe + q.position * C
            for j in 0..<C { o[j] = e[j] + p[j] }
        }
        let attention = DecodeAttention(heads: NH, kvHeads: NH, headSize: C / NH, keys: cache.promptCapacity + cache.rowCapacity)
        // Nothing is kept for a backward pass: the residual stream is updated in place in x.
        let b = BlockBuffers(ln1: ln, ln1Mean: mean, ln1Rstd: rstd, qkv: qkv, atty: atty, attproj: proj, residual2: x,
                             ln2: ln, ln2Mean: mean, ln2Rstd: rstd, fch: fch, fchGelu: fchGelu, fcproj: proj, output: x)
        for l in 0..<cfg.layers {
            model.block_forward(layer: l, input: x, b, N: Q) {
                // Store this layer's keys and values before anyone attends to them.
                for i in range {
                    let src = s.qkv + i * 3 * C, (slot, position) = queries[i].storeSlot(cache, layer: l)
                    slot.store(position: position, key: src + C, value: src + 2 * C, width: C)
                }
                for i in range {
                    let (a, own) = queries[i].segments(cache, layer: l)
                    attention.attend(out: s.atty + i * C, query: s.qkv + i * 3 * C, a, own)
                }
            }
        }
    }

    func head(_ picks: [Int], _ js: Range<Int>) {
        let s = scratch!, C = model.config.width, V = model.config.vocabSize
        for j in js {
            let i = picks[j]
            layernorm_forward(s.lnf + j * C, s.mean + i, s.rstd + i, s.x + i * C, model[.lnfw], model[.lnfb], N: 1, C: C)
        }
        GEMM.sgemm(transA: false, transB: true, M: js.count, N: V, K: C, s.lnf + js.lowerBound * C, lda: C,
                   model[.wte], ldb: C, beta: 0, s.logits + js.lowerBound * V, ldc: V)
    }
}
