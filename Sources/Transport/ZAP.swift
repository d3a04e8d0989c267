import CZMQ
import Foundation

/// One ZAP request (RFC 27): libzmq asks who may complete a handshake on a socket with a
/// ZAP domain.
public struct ZAPRequest: Sendable, Equatable {
    public var requestId: [UInt8]
    public var domain: String
    /// The peer's IP address as text.
    public var address: String
    /// The routing id of the socket asking (libzmq sends the server's own, not the peer's:
    /// a ZAP handler cannot see which id a dealer will announce).
    public var routingId: String
    public var mechanism: String
    /// The client's public key (Z85) for CURVE; nil otherwise.
    public var clientKey: String?

    /// Parses the frames of a request; nil when they are not one (version 1.0, ≥ 6 frames).
    public init?(frames: [[UInt8]]) {
        guard frames.count >= 6, String(decoding: frames[0], as: UTF8.self) == "1.0" else { return nil }
        requestId = frames[1]
        domain = String(decoding: frames[2], as: UTF8.self)
        address = String(decoding: frames[3], as: UTF8.self)
        routingId = String(decoding: frames[4], as: UTF8.self)
        mechanism = String(decoding: frames[5], as: UTF8.self)
        clientKey = mechanism == "CURVE" && frames.count >= 7 ? Curve.encode(frames[6]) : nil
    }

    public init(requestId: [UInt8], domain: String, address: String, routingId: String, mechanism: String, clientKey: String?) {
        self.requestId = requestId
        self.domain = domain
        self.address = address
        self.routingId = routingId
        self.mechanism = mechanism
        self.clientKey = clientKey
    }

    /// The reply's frames: 200 with `userId` (libzmq stamps it on every message from this
    /// peer as the `User-Id` property), or 400 with the reason.
    public func reply(allow: Bool, userId: String = "", reason: String = "") -> [[UInt8]] {
        [Array("1.0".utf8), requestId, Array((allow ? "200" : "400").utf8), Array((allow ? "OK" : reason).utf8),
         allow ? Array(userId.utf8) : [], []]
    }
}

/// The ZAP handler's socket: bound at libzmq's well-known address in one context, so every
/// CURVE server socket of that context asks it. Poll `socket` and answer each request
/// before reading the next (it is a REP socket).
public final class ZAPServer {
    public let socket: ZMQSocket

    public init(_ context: ZMQContext) throws {
        socket = try ZMQSocket(context, .rep)
        try socket.bind("inproc://zeromq.zap.01")
    }

    /// The next request, or nil when none is waiting. A malformed one is refused at once.
    public func next() -> ZAPRequest? {
        while let frames = try? socket.receive(timeout: 0) {
            if let r = ZAPRequest(frames: frames) { return r }
            let id = frames.count > 1 ? frames[1] : []
            _ = try? socket.send([Array("1.0".utf8), id, Array("500".utf8), Array("malformed ZAP request".utf8), [], []])
        }
        return nil
    }

    public func answer(_ request: ZAPRequest, allow: Bool, userId: String = "", reason: String = "") {
        _ = try? socket.send(request.reply(allow: allow, userId: userId, reason: reason))
    }
}
