/// The learner's data-parallel ranks as the update sees them: who this process is, and the
/// three collective operations one update needs. `SingleRank` is the one-process learner
/// (every operation a no-op); `MPIRanks` is K processes started by `mpirun` or `srun`.
public protocol RankGroup: AnyObject {
    /// This process's rank, 0 ..< size; rank 0 holds the sockets, the ledger and checkpoints.
    var rank: Int { get }
    var size: Int { get }
    /// Replaces `count` floats at `values` with their sum over all ranks (every rank gets the same).
    func sum(_ values: UnsafeMutablePointer<Float>, count: Int) throws
    /// Rank 0's bytes, on every rank. Ranks other than 0 pass anything (it is replaced) and
    /// wait without spinning, since they wait there while rank 0 collects a batch.
    func broadcast(_ bytes: inout [UInt8]) throws
    /// Every rank's `value`, in rank order, on every rank.
    func gather(_ value: UInt64) throws -> [UInt64]
}

public extension RankGroup {
    /// Rank 0's floats into `count` floats at `values` on every rank (a model's weights).
    func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int) throws {
        var bytes = rank == 0 ? Array(UnsafeRawBufferPointer(start: values, count: count * 4)) : []
        try broadcast(&bytes)
        guard bytes.count == count * 4 else { throw RankError.sizeMismatch(expected: count * 4, got: bytes.count) }
        bytes.withUnsafeBytes { UnsafeMutableRawPointer(values).copyMemory(from: $0.baseAddress!, byteCount: count * 4) }
    }
}

/// The learner in one process: nothing to talk to.
public final class SingleRank: RankGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) throws {}
    public func broadcast(_ bytes: inout [UInt8]) throws {}
    public func gather(_ value: UInt64) throws -> [UInt64] { [value] }
}

public enum RankError: Error, CustomStringConvertible {
    case mpi(call: String, code: Int32)
    case sizeMismatch(expected: Int, got: Int)

    public var description: String {
        switch self {
        case let .mpi(call, code): return "\(call) failed (MPI error \(code)); another learner rank has probably died"
        case let .sizeMismatch(expected, got): return "rank 0 sent \(got) bytes where \(expected) were expected: the ranks run different models or configs"
        }
    }
}
