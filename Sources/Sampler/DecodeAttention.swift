import Kernels

/// The first `n` cached positions of one prompt's or row's slot.
typealias CachedSegment = (slot: CacheSlot, n: Int)

/// Attention of one new query over the cache: the prompt's segment, then the row's own.
///
/// All heads are done in one sweep over the keys and one over the values, so the cache
/// is read front to back, a whole position at a time (per head, it was read four times
/// at a stride; decode attention waits on those loads more than on arithmetic).
struct DecodeAttention: ~Copyable {
    /// Query heads, key/value heads (fewer under grouped-query attention), floats per head.
    let heads: Int, kvHeads: Int, headSize: Int
    /// Floats of a query and of the output (heads · headSize), and of a cached key or value.
    let width: Int, kvWidth: Int
    let scale: Float
    /// Per head a run of `keys` scores, then 1/Σ per head.
    private let scores: UnsafeMutablePointer<Float>
    private let keys: Int

    /// `keys`: the most positions of both segments together.
    init(heads: Int, kvHeads: Int, headSize: Int, keys: Int) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.headSize = headSize
        self.keys = keys
        width = heads * headSize
        kvWidth = kvHeads * headSize
        scale = 1 / Float(headSize).squareRoot()
        scores = .allocate(capacity: heads * self.keys + heads)
    }

    deinit { scores.deallocate() }

    /// out[width] = concat over heads of softmax(q_h·k_g/√hs)·v_g over a's keys then b's, g the
    /// key/value head that query head h reads (h / (heads / kvHeads)).
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

    /// scores[h][from + j] = q_h·k_j,h · scale, a head at a time and four keys at a time,
    /// so the four dot products share their loads of q and one reduction across lanes.
    @inline(__always)
    private func score(_ seg: CachedSegment, _ q: UnsafePointer<Float>, from: Int) {
        let hs = headSize, vec = hs & ~15
        let width = kvWidth, group = heads / kvHeads
        for h in 0..<heads {
            let qh = q + h * hs, out = scores + h * keys + from
            var j = 0
            while j + 4 <= seg.n {
                let k = seg.slot.k + j * width + (h / group) * hs
                var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                var t = 0
                while t < vec {
                    let q0 = load8(qh + t), q1 = load8(qh + t + 8)
                    a0 = fma8(q1, load8(k + t + 8), fma8(q0, load8(k + t), a0))
                    a1 = fma8(q1, load8(k + width + t + 8), fma8(q0, load8(k + width + t), a1))
                    a2 = fma8(q1, load8(k + 2 * width + t + 8), fma8(q0, load8(k + 2 * width + t), a2))
                    a3 = fma8(q1, load8(k + 3 * width + t + 8), fma8(q0, load8(k + 3 * width + t), a3))
                    t += 16
                }
                let sums = DecodeAttention.sums(a0, a1, a2, a3)
                for i in 0..<4 { out[j + i] = (sums[i] + tail(qh, k + i * width, from: vec)) * scale }
                j += 4
            }
            while j < seg.n {
                let k = seg.slot.k + j * width + (h / group) * hs
                var acc = SIMD8<Float>(), t = 0
                while t < vec {
                    acc = fma8(load8(qh + t + 8), load8(k + t + 8), fma8(load8(qh + t), load8(k + t), acc))
                    t += 16
                }
                out[j] = (acc.sum() + tail(qh, k, from: vec)) * scale
                j += 1
            }
        }
    }

    /// Σ q[t]·k[t] over t in from..<headSize: the lanes a multiple of sixteen leaves over.
    @inline(__always)
    private func tail(_ q: UnsafePointer<Float>, _ k: UnsafeMutablePointer<CacheScalar>, from: Int) -> Float {
        var d: Float = 0
        for t in from..<headSize { d += q[t] * Float(k[t]) }
        return d
    }

    /// The lane sums of four vectors, halving across lanes three times.
    @inline(__always)
    private static func sums(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) -> SIMD4<Float> {
        let ab = SIMD8(lowHalf: a.lowHalf + a.highHalf, highHalf: b.lowHalf + b.highHalf)
        let cd = SIMD8(lowHalf: c.lowHalf + c.highHalf, highHalf: d.lowHalf + d.highHalf)
        let abcd = SIMD8(lowHalf: ab.evenHalf + ab.oddHalf, highHalf: cd.evenHalf + cd.oddHalf)
        return abcd.evenHalf + abcd.oddHalf
    }

    /// out_h += Σ_j softmax weight[h][from + j] · v_j,h, a head at a time: sixteen of its
    /// outputs stay in registers over all keys (a head's values are one cache line per
    /// position, so reading them head by head loads no more lines).
    @inline(__always)
    private func mix(_ seg: CachedSegment, into out: UnsafeMutablePointer<Float>, from: Int) {
        let hs = headSize, vec = hs & ~15, inv = scores + heads * keys
        let width = kvWidth, group = heads / kvHeads
        for h in 0..<heads {
            let weights = scores + h * keys + from, norm = inv[h], oh = out + h * hs, vh = (h / group) * hs
            var t = 0
            while t < vec {
                var acc0 = load8(oh + t), acc1 = load8(oh + t + 8)
                var v = seg.slot.v + vh + t
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
                for j in 0..<seg.n { oh[t] += weights[j] * norm * Float(seg.slot.v[j * width + vh + t]) }
                t += 1
            }
        }
    }
}
