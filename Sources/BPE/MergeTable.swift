/// The merges of a BPE model over token ids: the pair (left, right) merges into `id`, and
/// lower `rank` (earlier in the file) merges first. Keyed by ids, not strings, because the
/// encoder looks pairs up millions of times.
struct MergeTable: Sendable {
    private var table: [UInt64: UInt64] = [:]

    init() {}

    init(minimumCapacity: Int) {
        table.reserveCapacity(minimumCapacity)
    }

    /// Records that `left right` merges into `id` with `rank`; a pair listed twice keeps the
    /// later rank, as `tokenizers` does.
    mutating func insert(left: Int32, right: Int32, rank: Int, id: Int32) {
        table[Self.key(left, right)] = UInt64(UInt32(truncatingIfNeeded: rank)) << 32 | UInt64(UInt32(bitPattern: id))
    }

    /// The rank and merged id of `left right`, or nil when they do not merge.
    @inline(__always)
    func lookup(_ left: Int32, _ right: Int32) -> (rank: UInt32, id: Int32)? {
        guard let v = table[Self.key(left, right)] else { return nil }
        return (UInt32(truncatingIfNeeded: v >> 32), Int32(bitPattern: UInt32(truncatingIfNeeded: v)))
    }

    var count: Int { table.count }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}
