import Kernels

#if NANOREASONER_F16C
/// The scalar of the key/value cache: half precision where the CPU converts it in one
/// instruction (F16C), halving the bytes decode attention waits on; else Float.
typealias CacheScalar = Float16
#else
typealias CacheScalar = Float
#endif

/// Keys and values of every layer, for B shared prompts and R generated rows.
///
/// A group's G rows share their prompt's cache (prefilled once); each row only
/// stores the keys and values of its own generated tokens. A position's key (and
/// value) is one run of `width` floats, all heads side by side: attention reads a
/// slot front to back. (Keys stored transposed, to score 8 positions per vector, made
/// decode slower: 128 strided streams per query defeat the prefetcher.) The scalars are
/// `CacheScalar`: halves on F16C machines, since decode attention is bound by these loads.
final class KVCache {
    let L: Int, C: Int
    let promptCapacity: Int, rowCapacity: Int
    let prompts: Int, rows: Int
    private let promptK, promptV, rowK, rowV: UnsafeMutablePointer<CacheScalar>

    init(layers: Int, width: Int, prompts: Int, promptCapacity: Int, rows: Int, rowCapacity: Int) {
        L = layers
        C = width
        self.prompts = prompts
        self.rows = rows
        self.promptCapacity = promptCapacity
        self.rowCapacity = rowCapacity
        let pn = L * prompts * promptCapacity * C, rn = L * rows * rowCapacity * C
        promptK = .allocate(capacity: max(pn, 1)); promptV = .allocate(capacity: max(pn, 1))
        rowK = .allocate(capacity: max(rn, 1)); rowV = .allocate(capacity: max(rn, 1))
    }

    deinit {
        promptK.deallocate(); promptV.deallocate(); rowK.deallocate(); rowV.deallocate()
    }

    @inline(__always)
    func promptSlot(layer l: Int, prompt b: Int) -> CacheSlot {
        let o = ((l * prompts) + b) * promptCapacity * C
        return CacheSlot(k: promptK + o, v: promptV + o)
    }

    @inline(__always)
    func rowSlot(layer l: Int, row r: Int) -> CacheSlot {
        let o = ((l * rows) + r) * rowCapacity * C
        return CacheSlot(k: rowK + o, v: rowV + o)
    }
}

/// One prompt's or row's cache in one layer: keys and values, [position][width] each.
struct CacheSlot {
    let k: UnsafeMutablePointer<CacheScalar>
    let v: UnsafeMutablePointer<CacheScalar>

    /// Stores the key and value of `position` (`width` floats each).
    @inline(__always)
    func store(position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>, width: Int) {
        let kp = k + position * width, vp = v + position * width
        var t = 0
        while t + 8 <= width {
            store8(kp + t, load8(key + t))
            store8(vp + t, load8(value + t))
            t += 8
        }
        while t < width { kp[t] = CacheScalar(key[t]); vp[t] = CacheScalar(value[t]); t += 1 }
    }
}
