import Kernels
import Llama

/// The Llama family's layers over the cache: grouped-query heads (the cache holds the
/// key/value heads only) and each query's rotary position.
final class LlamaDecoder: DecodeEngine {
    let model: Llama
    private var scratch: Scratch?

    init(_ model: Llama) { self.model = model }

    var shape: DecodeShape {
        let c = model.config
        return DecodeShape(vocabSize: c.vocabSize, contextLength: c.contextLength, layers: c.layers,
                           kvWidth: c.kvHeads * c.headSize)
    }

    /// Activation rows for up to `capacity` queries, `picks` of them through the head, reused across steps.
    final class Scratch {
        let capacity: Int, picks: Int
        let x, h, rstd, qkv, atty, proj, gateUp, act, hidden, headRstd, logits, loraU: UnsafeMutablePointer<Float>
        let positions: UnsafeMutablePointer<Int32>
        private let storage: FloatBuffer

        /// `loraRank`: the adapters' rank (0 without): each query's row of their intermediate.
        let loraRank: Int

        init(_ c: LlamaConfig, capacity Q: Int, picks P: Int, loraRank: Int) {
            capacity = Q
            picks = P
            self.loraRank = loraRank
            let C = c.width
            let sizes = [Q * C, Q * C, Q, Q * c.qkvWidth, Q * c.qWidth, Q * C, Q * 2 * c.intermediate, Q * c.intermediate,
                         P * C, P, P * c.vocabSize, Q * loraRank]
            storage = FloatBuffer(count: sizes.reduce(0, +))
            let p = storage.slices(sizes)
            (x, h, rstd, qkv, atty, proj, gateUp, act) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
            (hidden, headRstd, logits, loraU) = (p[8], p[9], p[10], p[11])
            positions = .allocate(capacity: max(Q, 1))
        }

        deinit { positions.deallocate() }
    }

    func reserve(rows: Int, picks: Int) {
        let rank = model.lora?.config.rank ?? 0
        if let s = scratch, s.capacity >= rows, s.picks >= picks, s.loraRank == rank { return }
        scratch = nil  // let the old one go before its successor is allocated
        scratch = Scratch(model.config, capacity: rows, picks: picks, loraRank: rank)
    }

    var logits: UnsafeMutablePointer<Float> { scratch!.logits }

    func blocks(_ queries: [Query], _ range: Range<Int>, cache: KVCache) {
        let s = scratch!, c = model.config
        let Q = range.count, C = c.width, S = c.qkvWidth, QW = c.qWidth, KV = c.kvHeads * c.headSize, at = range.lowerBound
        let embed = model[.embed]
        for i in range {
            (s.x + i * C).update(from: embed + Int(queries[i].token) * C, count: C)
            s.positions[i] = Int32(queries[i].position)
        }
        let attention = DecodeAttention(heads: c.heads, kvHeads: c.kvHeads, headSize: c.headSize,
                                        keys: cache.promptCapacity + cache.rowCapacity)
        // Nothing is kept for a backward pass: the residual stream is updated in place in x.
        let x = s.x + at * C, h = s.h + at * C, rstd = s.rstd + at, proj = s.proj + at * C
        var b = LlamaBlockBuffers(h1: h, rstd1: rstd, qkv: s.qkv + at * S, atty: s.atty + at * QW, attnProj: proj,
                                  residual2: x, h2: h, rstd2: rstd, gateUp: s.gateUp + at * 2 * c.intermediate,
                                  act: s.act + at * c.intermediate, mlpProj: proj, output: x)
        // This piece's own rows: the adapters' intermediate must not be shared between threads.
        b.loraScratch = s.loraU + at * s.loraRank
        for l in 0..<c.layers {
            model.block_forward(layer: l, input: x, b, N: Q, positions: s.positions + at) {
                // Store this layer's (rotated) keys and values before anyone attends to them.
                for i in range {
                    let src = s.qkv + i * S, (slot, position) = queries[i].storeSlot(cache, layer: l)
                    slot.store(position: position, key: src + QW, value: src + QW + KV, width: KV)
                }
                for i in range {
                    let (a, own) = queries[i].segments(cache, layer: l)
                    attention.attend(out: s.atty + i * QW, query: s.qkv + i * S, a, own)
                }
            }
        }
    }

    func head(_ picks: [Int], _ js: Range<Int>) {
        let s = scratch!, C = model.config.width
        // Gather the picked rows into rows j (pick order, which other pieces never touch): the
        // head is one GEMM over consecutive rows. The norm then runs in place.
        for j in js { (s.hidden + j * C).update(from: s.x + picks[j] * C, count: C) }
        let at = js.lowerBound
        model.head_forward(s.logits + at * model.config.vocabSize, s.hidden + at * C, s.headRstd + at, s.hidden + at * C,
                           N: js.count)
    }
}
