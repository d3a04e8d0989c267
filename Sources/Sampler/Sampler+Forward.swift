import Kernels

/// A model family's layers over the key/value cache: the sampler's one seam. An engine owns
/// its scratch; the sampler owns the batching, the cache and the choice of tokens.
protocol DecodeEngine: AnyObject {
    var shape: DecodeShape { get }
    /// Makes room for `rows` queries at once, `picks` of them with logits (a prompt's last
    /// position, a decoding row): whole vocabularies only for those.
    func reserve(rows: Int, picks: Int)
    /// The blocks for queries[range], writing their keys and values into the cache; rows of
    /// the scratch are the query indices. Runs on one core (inside a `Parallel.partition` piece).
    func blocks(_ queries: [Query], _ range: Range<Int>, cache: KVCache)
    /// The final norm and the head for picks[js]: row j of `logits` holds query picks[j].
    func head(_ picks: [Int], _ js: Range<Int>)
    /// [rows, V], as `head` wrote them.
    var logits: UnsafeMutablePointer<Float> { get }
}

/// What the sampler needs to know of a model's shape.
struct DecodeShape {
    let vocabSize: Int, contextLength: Int, layers: Int
    /// Floats of one position's cached key (and value): all key/value heads side by side.
    let kvWidth: Int
}

extension Sampler {
    /// Pushes `queries` through every layer, writing their keys/values into the cache, and
    /// returns the logits of the queries at `logitsFor` (ascending), in that order.
    ///
    /// Queries are independent of each other except within a prompt being prefilled,
    /// so they are cut into one contiguous piece per core (never inside a prompt) and
    /// each piece goes through the whole model on its own core: one hand-off per call
    /// instead of one per kernel, and the small kernels between the GEMMs run in parallel too.
    func run(_ queries: [Query], logitsFor picks: [Int], cache: KVCache) -> UnsafeMutablePointer<Float> {
        let pieces = Parallel.ranges(queries.count) { i in
            queries[i].row >= 0 || queries[i].prompt != queries[i - 1].prompt
        }
        Parallel.partition(pieces) { range in
            engine.blocks(queries, range, cache: cache)
            // The logits of the picks inside this piece go to their rows in pick order.
            let lo = picks.firstIndex { $0 >= range.lowerBound } ?? picks.count
            let hi = picks.firstIndex { $0 >= range.upperBound } ?? picks.count
            if lo < hi { engine.head(picks, lo..<hi) }
        }
        return engine.logits
    }
}

extension Query {
    /// Where this query's key and value go: its prompt's slot while prefilling, else its row's.
    @inline(__always)
    func storeSlot(_ cache: KVCache, layer l: Int) -> (slot: CacheSlot, position: Int) {
        row < 0 ? (cache.promptSlot(layer: l, prompt: prompt), position) : (cache.rowSlot(layer: l, row: row), rowVisible - 1)
    }

    /// The two cached segments this query attends to: its prompt's, then its row's own.
    @inline(__always)
    func segments(_ cache: KVCache, layer l: Int) -> (CachedSegment, CachedSegment) {
        let ps = cache.promptSlot(layer: l, prompt: prompt)
        return ((ps, promptVisible), (row < 0 ? ps : cache.rowSlot(layer: l, row: row), rowVisible))
    }
}
