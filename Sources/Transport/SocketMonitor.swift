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
    public func events() -> [Event] { observed().map(\.event) }

    /// Events since the last call with the address libzmq gives each: on a bound socket, the
    /// peer's (`tcp://203.0.113.5:41234`); on a connecting one, the endpoint it connects to.
    public func observed() -> [(event: Event, address: String)] {
        var out: [(event: Event, address: String)] = []
        while let frames = try? pair.receive(timeout: 0), let head = frames.first, head.count >= 6 {
            let address = frames.count > 1 ? String(decoding: frames[1], as: UTF8.self) : ""
            let id = UInt16(head[0]) | UInt16(head[1]) << 8
            let value = UInt32(head[2]) | UInt32(head[3]) << 8 | UInt32(head[4]) << 16 | UInt32(head[5]) << 24
            let event: Event
            switch Int32(id) {
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: event = .handshakeSucceeded
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: event = .refused(status: value)
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: event = .handshakeRejected(code: value)
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: event = .handshakeFailed(code: value)
            case ZMQ_EVENT_DISCONNECTED: event = .disconnected
            default: event = .other(id)
            }
            out.append((event, address))
        }
        return out
    }

    /// A failed handshake's reason in words, for counting and logging it: a ZMTP protocol
    /// error's name, or the errno a connection dropped with.
    public static func reason(_ event: Event) -> String? {
        switch event {
        case .handshakeRejected(let code):
            switch Int32(bitPattern: code) {
            case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH: return "mechanism mismatch"
            case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: return "undecryptable handshake"
            case ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO: return "malformed hello"
            case ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND: return "unexpected command"
            case ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE: return "key exchange"
            case ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA: return "invalid metadata"
            default: return String(format: "protocol error 0x%08x", code)
            }
        case .handshakeFailed: return "dropped during the handshake"
        default: return nil
        }
    }
}
