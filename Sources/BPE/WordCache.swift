import Foundation

/// The ids of words already merged, shared by every copy of a tokenizer and safe to use from
/// several threads. Natural text repeats its words, so most lookups hit and skip the merging.
///
/// Keyed by a 64-bit hash of the word's bytes, checked against the stored bytes on a hit, so
/// a lookup allocates nothing; a colliding word is simply merged again. Like `tokenizers`'
/// cache it stops growing when full, and skips long words.
final class WordCache: @unchecked Sendable {
    private struct Entry {
        let bytes: [UInt8]
        let ids: [Int32]
    }

    /// Words longer than this (in bytes) are not cached.
    static let maxWordBytes = 256

    private let capacity: Int
    private let lock = NSLock()
    private var entries: [UInt64: Entry] = [:]  // guarded by lock

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// FNV-1a over the bytes, then a final mix so that close words spread over the table.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        return h ^ (h >> 33)
    }

    /// Appends the cached ids of `word` (whose hash is `hash`) to `out`; false when not cached.
    func append(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64, to out: inout [Int32]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[hash], entry.bytes.count == word.count else { return false }
        let same = entry.bytes.withUnsafeBufferPointer { stored -> Bool in
            guard let a = stored.baseAddress, let b = word.baseAddress else { return word.isEmpty }
            return memcmp(a, b, word.count) == 0
        }
        guard same else { return false }
        out.append(contentsOf: entry.ids)
        return true
    }

    /// Remembers `ids` for `word` unless the cache is full or the word too long.
    func insert(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64, ids: ArraySlice<Int32>) {
        guard word.count <= Self.maxWordBytes else { return }
        lock.lock()
        defer { lock.unlock() }
        guard entries.count < capacity, entries[hash] == nil else { return }
        entries[hash] = Entry(bytes: Array(word), ids: Array(ids))
    }
}
