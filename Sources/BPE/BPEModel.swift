/// The BPE model of a byte-level tokenizer: one pre-tokenized word's UTF-8 bytes in, token
/// ids out, exactly as `tokenizers`' `BPE::merge_word` and `Word::merge_all` do it.
struct BPEModel: Sendable {
    /// The id of each byte's one-character token (its `ByteLevelAlphabet` spelling), or -1.
    let byteIds: [Int32]
    let merges: MergeTable
    /// `unk_token`'s id: bytes without a token become it (runs of them one, with `fuse_unk`).
    /// Without one such bytes are dropped, as `tokenizers` drops them.
    let unknownId: Int32?
    let fuseUnknown: Bool
    /// `ignore_merges`: a word that is itself in the vocabulary is that one token.
    let ignoreMerges: Bool
    /// The vocabulary by the bytes each token stands for (only filled for `ignore_merges`).
    let wholeWords: [[UInt8]: Int32]

    /// Appends the ids of `word` to `out`.
    func encode(_ word: UnsafeBufferPointer<UInt8>, into out: inout [Int32], scratch: inout MergeScratch) {
        if ignoreMerges, let id = wholeWords[Array(word)] {
            out.append(id)
            return
        }
        scratch.reset()
        var pendingUnknown = false
        for b in word {
            let id = byteIds[Int(b)]
            if id >= 0 {
                if pendingUnknown, let unk = unknownId { scratch.add(unk) }
                pendingUnknown = false
                scratch.add(id)
            } else if let unk = unknownId {
                if pendingUnknown && !fuseUnknown { scratch.add(unk) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unk = unknownId { scratch.add(unk) }
        mergeAll(&scratch)
        scratch.appendSymbols(to: &out)
    }

    /// Applies merges lowest rank first, leftmost first among equal ranks; a queued merge whose
    /// pair has changed since is skipped unless the pair there now merges into the same id
    /// (the check `tokenizers` makes).
    private func mergeAll(_ w: inout MergeScratch) {
        let n = w.ids.count
        if n < 2 { return }
        for i in 0..<(n - 1) {
            if let m = merges.lookup(w.ids[i], w.ids[i + 1]) { w.push(rank: m.rank, pos: Int32(i), id: m.id) }
        }
        while let top = w.pop() {
            let pos = Int(top.pos)
            guard w.alive[pos] else { continue }
            let nextPos = Int(w.next[pos])
            guard nextPos >= 0, let m = merges.lookup(w.ids[pos], w.ids[nextPos]), m.id == top.id else { continue }
            // Merge the right symbol into the left one.
            w.ids[pos] = top.id
            w.alive[nextPos] = false
            let after = w.next[nextPos]
            w.next[pos] = after
            if after >= 0 { w.prev[Int(after)] = Int32(pos) }
            let before = w.prev[pos]
            if before >= 0, let m = merges.lookup(w.ids[Int(before)], top.id) {
                w.push(rank: m.rank, pos: before, id: m.id)
            }
            if after >= 0, let m = merges.lookup(top.id, w.ids[Int(after)]) {
                w.push(rank: m.rank, pos: Int32(pos), id: m.id)
            }
        }
    }
}

/// Reusable working memory for merging one word: its symbols as a linked list and the queue
/// of candidate merges (a binary min-heap on rank, then position).
struct MergeScratch {
    fileprivate var ids: [Int32] = []
    fileprivate var prev: [Int32] = []
    fileprivate var next: [Int32] = []
    fileprivate var alive: [Bool] = []
    private var heap: [(key: UInt64, id: Int32)] = []

    init() {}

    fileprivate mutating func reset() {
        ids.removeAll(keepingCapacity: true)
        prev.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        alive.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
    }

    fileprivate mutating func add(_ id: Int32) {
        let i = Int32(ids.count)
        if i > 0 { next[Int(i) - 1] = i }
        ids.append(id)
        prev.append(i - 1)
        next.append(-1)
        alive.append(true)
    }

    fileprivate func appendSymbols(to out: inout [Int32]) {
        for i in 0..<ids.count where alive[i] { out.append(ids[i]) }
    }

    fileprivate mutating func push(rank: UInt32, pos: Int32, id: Int32) {
        heap.append((UInt64(rank) << 32 | UInt64(UInt32(bitPattern: pos)), id))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].key < heap[parent].key else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    fileprivate mutating func pop() -> (pos: Int32, id: Int32)? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            let count = heap.count
            while true {
                let left = 2 * parent + 1
                guard left < count else { break }
                var smallest = left
                if left + 1 < count && heap[left + 1].key < heap[left].key { smallest = left + 1 }
                guard heap[smallest].key < heap[parent].key else { break }
                heap.swapAt(smallest, parent)
                parent = smallest
            }
        }
        return (Int32(truncatingIfNeeded: first.key & 0xFFFF_FFFF), first.id)
    }
}
