import CMPI
import Foundation

/// The learner's ranks over MPI's world communicator (Open MPI). One per process: MPI can be
/// initialised once, so `launched()` hands out the one instance.
public final class MPIRanks: RankGroup {
    public let rank: Int
    public let size: Int
    /// How long a waiting rank sleeps between polls of a pending broadcast: short next to an
    /// update (~1 s), long enough that an idle rank costs no CPU.
    public var pollInterval: TimeInterval = 0.000_5
    /// Seconds this rank has spent inside collectives (the allreduce, broadcasts, gathers),
    /// waiting for slower ranks included: what data parallelism adds to an update.
    public private(set) var collectiveSeconds: Double = 0

    private init(rank: Int, size: Int) { self.rank = rank; self.size = size }

    /// True when this process was started by `mpirun`/`srun` as one of several ranks.
    public static var isLaunched: Bool {
        let env = ProcessInfo.processInfo.environment
        let size = env["OMPI_COMM_WORLD_SIZE"] ?? env["PMIX_SIZE"] ?? env["SLURM_NTASKS"].flatMap { env["PMIX_RANK"] != nil ? $0 : nil }
        return (size.flatMap(Int.init) ?? 1) > 1
    }

    /// Initialises MPI and returns this process's ranks.
    public static func launched() throws -> MPIRanks {
        var provided: Int32 = 0
        // Funneled: the broker's threads never call MPI, only the thread that updates.
        try check("MPI_Init_thread", MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided))
        var r: Int32 = 0, s: Int32 = 0
        try check("MPI_Comm_rank", MPI_Comm_rank(nr_mpi_comm_world(), &r))
        try check("MPI_Comm_size", MPI_Comm_size(nr_mpi_comm_world(), &s))
        return MPIRanks(rank: Int(r), size: Int(s))
    }

    public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) throws {
        try timed {
            // MPI counts are Int32: sum in slices of at most 2^30 floats.
            var done = 0
            while done < count {
                let n = min(count - done, 1 << 30)
                try Self.check("MPI_Allreduce", MPI_Allreduce(nr_mpi_in_place(), values + done, Int32(n), nr_mpi_float(), nr_mpi_sum(),
                                                              nr_mpi_comm_world()))
                done += n
            }
        }
    }

    public func broadcast(_ bytes: inout [UInt8]) throws {
        try timed {
            var count = Int64(bytes.count)
            try withUnsafeMutableBytes(of: &count) { try idleBroadcast($0.baseAddress!, count: 1, type: nr_mpi_int64()) }
            if rank != 0 { bytes = [UInt8](repeating: 0, count: Int(count)) }
            var done = 0
            while done < bytes.count {
                let n = min(bytes.count - done, 1 << 30)
                try bytes.withUnsafeMutableBytes { try idleBroadcast($0.baseAddress! + done, count: n, type: nr_mpi_byte()) }
                done += n
            }
        }
    }

    public func gather(_ value: UInt64) throws -> [UInt64] {
        try timed {
            var mine = value
            var all = [UInt64](repeating: 0, count: size)
            try all.withUnsafeMutableBufferPointer { out in
                try Self.check("MPI_Allgather", MPI_Allgather(&mine, 1, nr_mpi_uint64(), out.baseAddress, 1, nr_mpi_uint64(), nr_mpi_comm_world()))
            }
            return all
        }
    }

    /// Ends this rank's part in MPI (after the last collective).
    public func finalize() { MPI_Finalize() }

    /// Ends every rank at once, after saying why (a rank that cannot go on).
    public func abort(_ reason: String) -> Never {
        FileHandle.standardError.write(Data("learner rank \(rank): \(reason)\n".utf8))
        MPI_Abort(nr_mpi_comm_world(), 1)
        exit(1)
    }

    /// A broadcast from rank 0 that the other ranks wait for by polling with short sleeps:
    /// a blocking MPI call spins a core for as long as rank 0 takes to collect its batch.
    private func idleBroadcast(_ buffer: UnsafeMutableRawPointer, count: Int, type: MPI_Datatype) throws {
        var request = nr_mpi_request_null()
        try Self.check("MPI_Ibcast", MPI_Ibcast(buffer, Int32(count), type, 0, nr_mpi_comm_world(), &request))
        var done: Int32 = 0
        while true {
            try Self.check("MPI_Test", MPI_Test(&request, &done, nr_mpi_status_ignore()))
            if done != 0 { return }
            if rank != 0 { Thread.sleep(forTimeInterval: pollInterval) }
        }
    }

    /// Runs one collective, its time added to `collectiveSeconds`.
    private func timed<T>(_ collective: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { collectiveSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try collective()
    }

    private static func check(_ call: String, _ code: Int32) throws {
        guard code == nr_mpi_success() else { throw RankError.mpi(call: call, code: code) }
    }
}
