import CProcessControl
import Foundation
import Wire

/// A worker's pulse: a thread with its own PUSH socket that sends a heartbeat every
/// `interval` seconds, whatever the worker's main thread is busy with (a long sampling
/// batch must not look like death). It also ends the process if the parent that
/// launched it is gone, so a killed launcher leaves no orphans.
public final class Heartbeater: @unchecked Sendable {
    private let endpoint: String
    private let lock = NSLock()
    private var _interval: Double
    private let beat: () -> Message
    private let context: ZMQContext
    private let parent: pid_t?
    private let security: SocketSecurity

    /// `watchParent`: exit when the parent process changes (set by `launch`).
    public init(context: ZMQContext, endpoint: String, interval: Double, watchParent: Bool, security: SocketSecurity = .none,
                beat: @escaping () -> Message) {
        self.context = context
        self.security = security
        self.endpoint = endpoint
        _interval = interval
        self.beat = beat
        parent = watchParent ? getppid() : nil
        if watchParent { _ = nr_set_parent_death_signal(SIGTERM) }
    }

    /// Seconds between beats (the learner's setting, once the worker has it).
    public var interval: Double {
        get { lock.lock(); defer { lock.unlock() }; return _interval }
        set { lock.lock(); _interval = newValue; lock.unlock() }
    }

    private var stopped = false

    /// Ends the beats (the thread closes its socket within one interval).
    public func stop() { lock.lock(); stopped = true; lock.unlock() }
    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    public func start() {
        let t = Thread { [self] in
            guard let push = try? ZMQSocket(context, .push, security: security) else { return }
            try? push.setHighWaterMarks(send: 8, receive: 8)
            try? push.connect(endpoint)
            while !isStopped {
                if let parent, getppid() != parent {
                    FileHandle.standardError.write(Data("parent process \(parent) is gone; exiting\n".utf8))
                    exit(0)
                }
                _ = try? push.send(beat().encoded(), wait: false)
                // In short slices, so a new interval (the learner's, from its welcome) and a
                // stop take effect at once rather than after the old interval.
                let sent = Date()
                while !isStopped && Date().timeIntervalSince(sent) < interval {
                    Thread.sleep(forTimeInterval: min(0.02, interval))
                }
            }
        }
        t.name = "heartbeat"
        t.start()
    }
}

/// A number that tells this run of a worker from its restarts.
public func makeIncarnation() -> UInt64 {
    UInt64(getpid()) << 32 | UInt64(UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970 * 1000)))
}
