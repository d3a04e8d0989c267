import CZMQ
import Foundation

/// What libzmq reports about a socket's connections (its monitor), reduced to what a worker
/// acts on: did the security handshake succeed, or why not.
public final class SocketMonitor {
    public enum Event: Equatable, Sendable {
        case handshakeSucceeded
        /// The server refused our key (its ZAP status code, e.g. 400).
        case refused(status: UInt32)
        /// The connection dropped during the handshake (the peer closed it, e.g. one side plain
        /// and the other CURVE, seen from the side that did not detect it); libzmq reconnects.
        case handshakeFailed(code: UInt32)
        /// This side found the peer's handshake wrong (a wrong server key, plain against CURVE:
        /// its ZMQ_PROTOCOL_ERROR_* code). libzmq ends the connection for good and does not
        /// reconnect, so no further event follows.
        case handshakeRejected(code: UInt32)
        case disconnected
        case other(UInt16)
    }

    private let pair: ZMQSocket

    /// Watches `socket` (call before it connects, so no event is missed).
    public init(_ socket: ZMQSocket, context: ZMQContext) throws {
        let address = "inproc://monitor-\(UUID().uuidString)"
        let events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
            | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_DISCONNECTED
        guard zmq_socket_monitor(socket.raw, address, events) == 0 else { throw ZMQError.last("zmq_socket_monitor") }
        pair = try ZMQSocket(context, .pair)
        try pair.connect(address)
    }

    /// Events since the last call (never waits).
    public func events() -> [Event] {
        var out: [Event] = []
        while let frames = try? pair.receive(timeout: 0), let head = frames.first, head.count >= 6 {
            let id = UInt16(head[0]) | UInt16(head[1]) << 8
            let value = UInt32(head[2]) | UInt32(head[3]) << 8 | UInt32(head[4]) << 16 | UInt32(head[5]) << 24
            switch Int32(id) {
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: out.append(.handshakeSucceeded)
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: out.append(.refused(status: value))
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: out.append(.handshakeRejected(code: value))
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: out.append(.handshakeFailed(code: value))
            case ZMQ_EVENT_DISCONNECTED: out.append(.disconnected)
            default: out.append(.other(id))
            }
        }
        return out
    }
}
