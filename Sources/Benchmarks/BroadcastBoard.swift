import Foundation
import Transport
import Wire

/// Shared state of the broadcast benchmark's subscriber threads: who has joined, and when
/// each subscriber finished decoding the version the publisher is waiting for.
final class BroadcastBoard: @unchecked Sendable {
    private let lock = NSLock()
    private let count: Int
    private var joined: Set<Int> = []
    private var expected: UInt64 = .max
    private var finishedAt: [UInt64] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)

    init(subscribers: Int) { count = subscribers }

    var allJoined: Bool { lock.lock(); defer { lock.unlock() }; return joined.count == count }

    func expect(version: UInt64) { lock.lock(); expected = version; finishedAt = []; lock.unlock() }

    /// The time (uptime ns) the last subscriber finished, or nil on timeout.
    func waitAll(timeout: Double) -> UInt64? {
        for _ in 0..<count where done.wait(timeout: .now() + timeout) != .success { return nil }
        lock.lock(); defer { lock.unlock() }
        return finishedAt.max()
    }

    func stop() { lock.lock(); stopped = true; lock.unlock() }

    func waitForSubscribers() { for _ in 0..<count { _ = exited.wait(timeout: .now() + 5) } }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    func startSubscriber(_ index: Int, _ socket: ZMQSocket) {
        let t = Thread { [self] in
            defer { exited.signal() }
            while !isStopped {
                guard let frame = try? socket.receiveFrame(timeout: 0.1),
                      case .weights(let w)? = try? Message.decode(frame.bytes) else { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                lock.lock()
                joined.insert(index)
                let wanted = w.version == expected
                if wanted { finishedAt.append(now) }
                lock.unlock()
                if wanted { done.signal() }
            }
        }
        t.name = "bench-sub-\(index)"
        t.start()
    }
}
