import Foundation

/// Counts rejected messages by reason and logs each one (rate-limited), so garbage on a
/// port is visible without flooding the log.
public final class RejectCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var logged = 0
    private let log: (String) -> Void
    /// Log at most this many individual rejections; after that only the counters move.
    public var logLimit = 100

    public init(log: @escaping (String) -> Void) { self.log = log }

    public func reject(_ error: Error, port: String, bytes: Int) {
        let name = (error as? WireError)?.counterName ?? "other"
        lock.lock()
        counts[name, default: 0] += 1
        logged += 1
        let shouldLog = logged <= logLimit
        lock.unlock()
        if shouldLog { log("rejected a \(bytes)-byte message on \(port): \(error)") }
    }

    public var snapshot: [String: Int] { lock.lock(); defer { lock.unlock() }; return counts }
    public var total: Int { snapshot.values.reduce(0, +) }
}
