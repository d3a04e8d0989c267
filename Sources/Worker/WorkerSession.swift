import Foundation
import Kernels
import Transport
import Wire

/// Where a worker finds the learner and how it names itself.
public struct WorkerOptions: Sendable {
    public var learnerHost = "127.0.0.1"
    public var basePort = 5555
    public var workerId: String
    /// Exit when the launching process dies (set by `launch`).
    public var watchParent = false
    /// Give up when the learner has been unreachable this long.
    public var silenceLimit = 300.0
    /// CURVE keys (`ClusterKeys.worker(at:)`), or `.none` for a learner without them.
    public var security: SocketSecurity = .none
    public init(workerId: String) { self.workerId = workerId }

    /// This machine's name, from gethostname(2). (Foundation's `ProcessInfo.hostName` also
    /// resolves it, and aborted inside its own free() on a machine whose resolver had just
    /// changed: a worker must not die for a name it only reports.)
    public static var hostName: String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "unknown-host" }
        return String(cString: buf)
    }
}

/// A worker's side of the conversation with the learner, the same for actors and
/// verifiers: hello until welcomed, heartbeats at the learner's interval, rejoin when the
/// learner no longer knows us, shutdown, a limit on silence, and counted rejects.
public final class WorkerSession {
    /// What a message from the learner means to the worker.
    public enum Event {
        /// Welcomed (again): the run's settings.
        case joined(runId: UInt64, policyVersion: UInt64, settings: WorkerSettings)
        /// Anything else for the role to handle.
        case message(Message)
        /// The learner is done with us (its reason).
        case shutdown(String)
    }

    public let options: WorkerOptions
    public let role: Role
    public let context: ZMQContext
    public let endpoints: Endpoints
    /// The dealer on the learner's work (actor) or verify (verifier) port.
    public let socket: ZMQSocket
    public let rejects: RejectCounter
    public private(set) var settings: WorkerSettings?
    let log: (String) -> Void
    private let incarnation = makeIncarnation()
    private var heartbeater: Heartbeater!
    private var lastHello = Date.distantPast, lastHeard = Date()
    private let stateLock = NSLock()
    private var busy = 0.0, idle = 0.0
    private var _version: UInt64 = .max
    private let monitor: SocketMonitor
    private var failedHandshakes = 0
    private var refusal: String?

    /// `context` and `endpoints` are given for a worker thread in the learner's process
    /// (`inproc://`); a worker process makes its own and connects over TCP.
    public init(role: Role, options: WorkerOptions, context: ZMQContext? = nil, endpoints: Endpoints? = nil,
                log: @escaping (String) -> Void) throws {
        self.role = role
        self.options = options
        self.log = log
        self.context = context ?? ZMQContext()
        rejects = RejectCounter(log: log)
        self.endpoints = endpoints ?? Endpoints(host: options.learnerHost, basePort: options.basePort)
        // No routing id of our own: the learner's router names each connection, and the hello
        // says who is on it (so a second worker claiming our id cannot take our messages).
        socket = try ZMQSocket(self.context, .dealer, security: options.security)
        monitor = try SocketMonitor(socket, context: self.context)
        // The welcome carries the run's limit; until then (and at the socket level, which is
        // fixed at connect time) the wire's own ceiling holds.
        try socket.limitMessageSize(Frame.defaultLimit)
        try socket.setSendTimeout(10)  // a vanished learner must not hang us; our work is re-issued
        try socket.connect(role == .actor ? self.endpoints.work : self.endpoints.verify)
        heartbeater = Heartbeater(context: self.context, endpoint: self.endpoints.trajectories, interval: 0.5,
                                  watchParent: options.watchParent, security: options.security) { [unowned self] in self.beat() }
        heartbeater.start()
        log("connecting to \(role == .actor ? self.endpoints.work : self.endpoints.verify)")
    }

    /// A socket to one of the learner's other ports, with the session's security.
    public func makeSocket(_ type: SocketType) throws -> ZMQSocket { try ZMQSocket(context, type, security: options.security) }

    /// Stops the heartbeats: the worker is leaving.
    public func close() { heartbeater.stop() }

    /// Largest message to accept: the run's limit once welcomed.
    public var messageLimit: Int { settings?.maxMessageBytes ?? Frame.defaultLimit }

    /// The policy version the worker holds (actors), reported in heartbeats.
    public var version: UInt64 {
        get { stateLock.lock(); defer { stateLock.unlock() }; return _version }
        set { stateLock.lock(); _version = newValue; stateLock.unlock() }
    }

    /// Time spent working and waiting, reported in heartbeats.
    public func record(busy b: Double = 0, idle i: Double = 0) {
        stateLock.lock(); busy += b; idle += i; stateLock.unlock()
    }

    /// Once per loop turn: says hello until welcomed; throws when the learner has been
    /// silent past the limit or refuses our key.
    public func keepAlive() throws {
        try checkHandshakes()
        if settings == nil, Date().timeIntervalSince(lastHello) > 2 {
            try socket.send(Message.hello(Hello(role: role, workerId: options.workerId, incarnation: incarnation,
                                                host: WorkerOptions.hostName)).encoded())
            lastHello = Date()
        }
        if Date().timeIntervalSince(lastHeard) > options.silenceLimit {
            throw WorkerError.learnerUnreachable(role == .actor ? endpoints.work : endpoints.verify, options.silenceLimit)
        }
    }

    /// A refused key or a handshake that keeps failing ends the worker with the reason,
    /// rather than leaving it to wait for a learner that will never answer. A handshake this
    /// side rejected ends it at once: libzmq does not reconnect after a protocol error, so
    /// waiting for three would only wait out the silence limit (which side sees the mismatch
    /// first is a race: the multi-host test's keyless worker lost it in about half its runs).
    private func checkHandshakes() throws {
        let port = role == .actor ? endpoints.work : endpoints.verify
        for e in monitor.events() {
            switch e {
            case .refused(let status): throw WorkerError.refused(port, status: status)
            case .handshakeRejected: throw WorkerError.handshakeFailing(port, curve: options.security != .none)
            case .handshakeFailed: failedHandshakes += 1
            case .handshakeSucceeded: failedHandshakes = 0
            default: break
            }
        }
        if failedHandshakes >= 3 { throw WorkerError.handshakeFailing(port, curve: options.security != .none) }
    }

    /// The learner was heard from (on any socket: `handle` serves them all).
    private func heard() { lastHeard = Date() }

    /// Waits up to `timeout` s for a message on the session's socket.
    public func receive(timeout: Double) throws -> Event? {
        guard let frames = try socket.receive(timeout: timeout), let body = frames.last else { return nil }
        return handle(body, port: role == .actor ? "work" : "verify")
    }

    /// Decodes a message from the learner, handling welcome, rejoin and shutdown here;
    /// nil for a message rejected (logged and counted) or handled.
    public func handle(_ body: [UInt8], port: String) -> Event? {
        body.withUnsafeBytes { handle($0, port: port) }
    }

    /// The same, for a frame read in place (the weights, straight from ZeroMQ's buffer).
    public func handle(_ body: UnsafeRawBufferPointer, port: String) -> Event? {
        heard()
        let message: Message
        do { message = try Message.decode(body, limit: messageLimit) } catch {
            rejects.reject(error, port: port, bytes: body.count)
            return nil
        }
        switch message {
        case .welcome(let w):
            guard let s = try? JSONDecoder().decode(WorkerSettings.self, from: Data(w.settingsJSON.utf8)) else {
                log("the learner's settings do not decode; is it a different NanoReasoner version?")
                return nil
            }
            settings = s
            heartbeater.interval = s.heartbeatInterval
            log("joined run \(w.runId) at policy version \(w.policyVersion)")
            return .joined(runId: w.runId, policyVersion: w.policyVersion, settings: s)
        case .heartbeat(let h) where h.role == .learner:
            return nil  // the learner is there while it has nothing else to say (`heard` above is the point)
        case .shutdown(let s) where s.reason == Shutdown.rejoin:
            settings = nil  // the learner restarted or presumed us dead: introduce ourselves again
            lastHello = .distantPast
            return nil
        case .shutdown(let s):
            log("learner says shutdown: \(s.reason)")
            if s.reason.hasPrefix(Shutdown.refusedPrefix) { refusal = String(s.reason.dropFirst(Shutdown.refusedPrefix.count)) }
            return .shutdown(s.reason)
        default:
            return .message(message)
        }
    }

    public func send(_ m: Message) throws { try socket.send(m.encoded()) }

    /// After a shutdown: returns when it was the end of the run, throws when the learner
    /// refused us (so the process exits with the reason, non-zero).
    public func finish() throws {
        if let why = refusal { throw WorkerError.refusedByLearner(why) }
    }

    /// A message that has no business here: logged and counted.
    public func unexpected(_ m: Message, port: String) {
        rejects.reject(WireError.invalid("unexpected \(m.type) from the learner"), port: port, bytes: 0)
    }

    private func beat() -> Message {
        stateLock.lock(); defer { stateLock.unlock() }
        return .heartbeat(Heartbeat(role: role, workerId: options.workerId, incarnation: incarnation,
                                    policyVersion: role == .actor ? _version : 0, busySeconds: busy, idleSeconds: idle,
                                    peakResidentBytes: ProcessMemory.peakResidentBytes()))
    }
}

public enum WorkerError: Error, CustomStringConvertible {
    case learnerUnreachable(String, Double)
    case refused(String, status: UInt32)
    case handshakeFailing(String, curve: Bool)
    case refusedByLearner(String)
    public var description: String {
        switch self {
        case .refused(let e, let status):
            return "the learner at \(e) refused this worker's key (ZAP status \(status)): its public key (worker.key) is not in the "
                + "learner's allowed_workers, or it was locked out for sending what did not check out; see the learner's log"
        case .handshakeFailing(let e, let curve):
            return curve
                ? "the CURVE handshake with \(e) keeps failing: is learner.key in --keys the key of the learner running there, and does it run with cluster.security: curve?"
                : "the handshake with \(e) keeps failing: the learner runs with CURVE (cluster.security: curve); give this worker its keys with --keys DIR"
        case .refusedByLearner(let why):
            return "the learner refused this worker: \(why)"
        case .learnerUnreachable(let e, let s):
            return "no word from the learner at \(e) for \(Int(s)) s; is it running, and is the port reachable from here?"
        }
    }
}
