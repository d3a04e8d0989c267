import CZMQ
import Foundation

/// The socket patterns the cluster uses.
public enum SocketType: Int32, Sendable {
    case pair = 0, pub = 1, sub = 2, rep = 4, dealer = 5, router = 6, pull = 7, push = 8

    var zmq: Int32 { rawValue }
}

/// A thin wrapper over a libzmq socket. Not thread-safe (libzmq sockets are not): each
/// socket belongs to the thread that uses it.
public final class ZMQSocket {
    let raw: UnsafeMutableRawPointer
    public let type: SocketType
    public private(set) var endpoint = ""
    /// The IP address the last message `receiveFrom` returned came from (TCP only; nil over
    /// `inproc://`): how the learner learns where an actor's weights relay can be reached.
    public private(set) var lastPeerAddress: String?
    /// Held so the context outlives its sockets (terminating it waits for every one to close).
    private let context: ZMQContext

    /// `security` is applied before anything connects (see `SocketSecurity`).
    public init(_ context: ZMQContext, _ type: SocketType, security: SocketSecurity = .none) throws {
        guard let s = zmq_socket(context.raw, type.zmq) else { throw ZMQError.last("zmq_socket") }
        raw = s
        self.type = type
        self.context = context
        // Closing never blocks on unsent messages: a dead peer must not hang shutdown.
        try set(ZMQ_LINGER, Int32(0))
        try secure(security)
    }

    deinit { zmq_close(raw) }

    public func set(_ option: Int32, _ value: Int32) throws {
        var v = value
        if zmq_setsockopt(raw, option, &v, MemoryLayout<Int32>.size) != 0 { throw ZMQError.last("zmq_setsockopt(\(option))") }
    }

    public func set(_ option: Int32, _ value: Int64) throws {
        var v = value
        if zmq_setsockopt(raw, option, &v, MemoryLayout<Int64>.size) != 0 { throw ZMQError.last("zmq_setsockopt(\(option))") }
    }

    public func set(_ option: Int32, bytes: [UInt8]) throws {
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(raw, option, $0.baseAddress, bytes.count) }
        if rc != 0 { throw ZMQError.last("zmq_setsockopt(\(option))") }
    }

    /// Drop (disconnect) peers that send a message larger than this.
    public func limitMessageSize(_ bytes: Int) throws { try set(ZMQ_MAXMSGSIZE, Int64(bytes)) }

    /// High-water marks: how many messages may queue before libzmq blocks or drops.
    public func setHighWaterMarks(send: Int32, receive: Int32) throws {
        try set(ZMQ_SNDHWM, send)
        try set(ZMQ_RCVHWM, receive)
    }

    /// A blocking send gives up after this long (the peer is gone or not keeping up).
    public func setSendTimeout(_ seconds: Double) throws { try set(ZMQ_SNDTIMEO, Int32(seconds * 1000)) }

    public func subscribeAll() throws { try set(ZMQ_SUBSCRIBE, bytes: []) }

    public func setIdentity(_ id: String) throws { try set(ZMQ_ROUTING_ID, bytes: Array(id.utf8)) }

    public func bind(_ endpoint: String) throws {
        if zmq_bind(raw, endpoint) != 0 { throw ZMQError.last("bind \(endpoint)") }
        self.endpoint = lastEndpoint ?? endpoint
    }

    public func connect(_ endpoint: String) throws {
        if zmq_connect(raw, endpoint) != 0 { throw ZMQError.last("connect \(endpoint)") }
        self.endpoint = endpoint
    }

    public func disconnect(_ endpoint: String) throws {
        if zmq_disconnect(raw, endpoint) != 0 { throw ZMQError.last("disconnect \(endpoint)") }
    }

    /// The endpoint actually bound (resolves `tcp://*:0` to the chosen port).
    public var lastEndpoint: String? {
        var buf = [CChar](repeating: 0, count: 256)
        var size = buf.count
        guard zmq_getsockopt(raw, ZMQ_LAST_ENDPOINT, &buf, &size) == 0 else { return nil }
        return String(cString: buf)
    }

    /// Sends a multipart message. Returns false when it would block (`wait` false) or the peer is gone.
    @discardableResult
    public func send(_ frames: [[UInt8]], wait: Bool = true) throws -> Bool {
        for (i, f) in frames.enumerated() {
            var flags: Int32 = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            if !wait { flags |= ZMQ_DONTWAIT }
            let rc = f.count >= Self.zeroCopyBytes ? sendWithoutCopy(f, flags: flags) : f.withUnsafeBytes { zmq_send(raw, $0.baseAddress, f.count, flags) }
            if rc < 0 {
                let e = zmq_errno()
                if e == EAGAIN || e == EHOSTUNREACH || e == EINTR { return false }
                throw ZMQError(call: "send on \(endpoint)", errno: e)
            }
        }
        return true
    }

    @discardableResult
    public func send(_ bytes: [UInt8], wait: Bool = true) throws -> Bool { try send([bytes], wait: wait) }

    /// From this size on a part is handed to ZeroMQ as it is instead of copied into a message
    /// (the weights: a PUB socket then sends the one buffer to every subscriber).
    static let zeroCopyBytes = 64 << 10

    private func sendWithoutCopy(_ bytes: [UInt8], flags: Int32) -> Int32 {
        var msg = zmq_msg_t()
        guard SendBuffer.message(bytes, into: &msg) == 0 else { return -1 }
        let rc = zmq_msg_send(&msg, raw, flags)
        if rc < 0 {
            let e = zmq_errno()
            zmq_msg_close(&msg)  // not sent: it is still ours to release (keeping errno for the caller)
            errno = e
        }
        return rc
    }

    /// Receives one message, waiting at most `timeout` seconds, and keeps its last part in
    /// ZeroMQ's buffer (a SUB socket's single-part weights, read in place). nil on timeout.
    public func receiveFrame(timeout: Double) throws -> ZMQFrame? {
        if timeout > 0 {
            guard try Poller.wait([self], timeout: timeout).first == true else { return nil }
        }
        var frame: ZMQFrame?
        repeat {
            let part = ZMQFrame()
            if part.receive(from: raw, flags: frame == nil ? ZMQ_DONTWAIT : 0) < 0 {
                let e = zmq_errno()
                if e == EAGAIN || e == EINTR { return frame }
                throw ZMQError(call: "receive on \(endpoint)", errno: e)
            }
            frame = part
        } while hasMore
        return frame
    }

    /// Receives one multipart message, waiting at most `timeout` seconds (0 = do not wait).
    /// Returns nil on timeout or interruption.
    public func receive(timeout: Double) throws -> [[UInt8]]? { try receiveFrom(timeout: timeout)?.frames }

    /// A message with the `User-Id` its sender's handshake was given (the ZAP handler's
    /// answer; nil on sockets without authentication).
    public func receiveFrom(timeout: Double) throws -> (frames: [[UInt8]], userId: String?)? {
        if timeout > 0 {
            guard try Poller.wait([self], timeout: timeout).first == true else { return nil }
        }
        var frames: [[UInt8]] = []
        var userId: String?
        repeat {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let rc = zmq_msg_recv(&msg, raw, frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if rc < 0 {
                let e = zmq_errno()
                if e == EAGAIN || e == EINTR { return frames.isEmpty ? nil : (frames, userId) }
                throw ZMQError(call: "receive on \(endpoint)", errno: e)
            }
            // A router's first frame is its own (the routing id): the sender's properties ride on the rest.
            if let u = zmq_msg_gets(&msg, "User-Id") { userId = String(cString: u) }
            if frames.isEmpty { lastPeerAddress = nil }
            if let a = zmq_msg_gets(&msg, "Peer-Address") { lastPeerAddress = String(cString: a) }
            let n = zmq_msg_size(&msg)
            if n == 0 {
                frames.append([])
            } else {
                let p = zmq_msg_data(&msg)!.assumingMemoryBound(to: UInt8.self)
                frames.append(Array(UnsafeBufferPointer(start: p, count: n)))
            }
        } while hasMore
        return (frames, userId)
    }

    private var hasMore: Bool {
        var more: Int32 = 0
        var size = MemoryLayout<Int32>.size
        zmq_getsockopt(raw, ZMQ_RCVMORE, &more, &size)
        return more != 0
    }
}

/// Waits on several sockets at once.
public enum Poller {
    /// Which sockets have a message to read, waiting at most `timeout` seconds.
    public static func wait(_ sockets: [ZMQSocket], timeout: Double) throws -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.raw, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let rc = zmq_poll(&items, Int32(items.count), Int(timeout * 1000))
        if rc < 0 {
            if zmq_errno() == EINTR { return sockets.map { _ in false } }
            throw ZMQError.last("zmq_poll")
        }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
