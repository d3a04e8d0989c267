import Kernels

/// The first `n` cached positions of one prompt's or row's slot.
typealias CachedSegment = (slot: CacheSlot, n: Int)

/// Attention of one new query over the cache: the prompt's segment, then the row's own.
///
/// All heads are done in one sweep over the keys and one over the values, so the cache
/// is read front to back, a whole position at a time (per head, it was read four times
/// at a stride; decode attention waits on those loads more than on arithmetic).
struct DecodeAttention: ~Copyable {
    let heads: Int, width: Int, headSize: Int
    let scale: Float
    /// Per head a run of `keys` scores, then 1/Σ per head.
    private let scores: UnsafeMutablePointer<Float>
    private let keys: Int

    /// `keys`: the most positions of both segments together.
    init(heads: Int, width: Int, keys: Int) {
        self.heads = heads
        self.width = width
        self.keys = keys
        headSize = width / heads
        scale = 1 / Float(headSize).squareRoot()
        scores = .allocate(capacity: heads * self.keys + heads)
    }

    deinit { scores.deallocate() }

    /// out[width] = concat over heads of softmax(q_h·k_h/√hs)·v_h over a's keys then b's.
    func attend(out: UnsafeMutablePointer<Float>, query: UnsafePointer<Float>,
                _ a: CachedSegment, _ b: CachedSegment) {
        score(a, query, from: 0)
        score(b, query, from: a.n)
        let n = a.n + b.n, inv = scores + heads * keys
        for h in 0..<heads {
            let row = scores + h * keys
            inv[h] = 1 / expShifted(row, row, n, shift: rowMax(row, n))
        }
        out.update(repeating: 0, count: width)
        mix(a, into: out, from: 0)
        mix(b, into: out, from: a.n)
    }

    /// scores[h][from + j] = q_h·k_j,h · scale
    @inline(__always)
    private func score(_ seg: CachedSegment, _ q: UnsafePointer<Float>, from: Int) {
        let hs = headSize, vec = hs & ~15
        for j in 0..<seg.n {
            let k = seg.slot.k + j * width
            for h in 0..<heads {
                let qh = q + h * hs, kh = k + h * hs
                // Two partial sums, so the FMAs do not all wait on one another.
                var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
                var t = 0
                while t < vec {
                    acc0 = fma8(load8(qh + t), load8(kh + t), acc0)
                    acc1 = fma8(load8(qh + t + 8), load8(kh + t + 8), acc1)
                    t += 16
                }
                var d = (acc0 + acc1).sum()
                while t < hs { d += qh[t] * Float(kh[t]); t += 1 }
                scores[h * keys + from + j] = d * scale
            }
        }
    }

    /// out_h += Σ_j softmax weight[h][from + j] · v_j,h, a head at a time: sixteen of its
    /// outputs stay in registers over all keys (a head's values are one cache line per
    /// position, so reading them head by head loads no more lines).
    @inline(__always)
    private func mix(_ seg: CachedSegment, into out: UnsafeMutablePointer<Float>, from: Int) {
        let hs = headSize, vec = hs & ~15, inv = scores + heads * keys
        for h in 0..<heads {
            let weights = scores + h * keys + from, norm = inv[h], oh = out + h * hs
            var t = 0
            while t < vec {
                var acc0 = load8(oh + t), acc1 = load8(oh + t + 8)
                var v = seg.slot.v + h * hs + t
                for j in 0..<seg.n {
                    let w = SIMD8<Float>(repeating: weights[j] * norm)
                    acc0 = fma8(w, load8(v), acc0)
                    acc1 = fma8(w, load8(v + 8), acc1)
                    v += width
                }
                store8(oh + t, acc0)
                store8(oh + t + 8, acc1)
                t += 16
            }
            while t < hs {
                for j in 0..<seg.n { oh[t] += weights[j] * norm * Float(seg.slot.v[j * width + h * hs + t]) }
                t += 1
            }
        }
    }
}
