import CZMQ
import Foundation

/// A CurveZMQ key pair, both halves as 40-character Z85 text (the form libzmq takes).
public struct CurveKeyPair: Sendable, Equatable {
    public let publicKey: String
    public let secretKey: String

    /// A fresh pair from libzmq's generator (libsodium's randomness).
    public static func generate() throws -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw ZMQError.last("zmq_curve_keypair (is libzmq built with CURVE?)") }
        return CurveKeyPair(publicKey: String(cString: pub), secretKey: String(cString: sec))
    }

    /// The pair of a secret key (its public half derived); nil when the text is not a Z85 key.
    public init?(secretKey: String) {
        guard Curve.isKey(secretKey) else { return nil }
        var pub = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&pub, secretKey) == 0 else { return nil }
        self.init(publicKey: String(cString: pub), secretKey: secretKey)
    }

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }
}

public enum Curve {
    /// Whether this libzmq can do CURVE at all.
    public static var available: Bool { zmq_has("curve") == 1 }

    /// Whether `text` is a 40-character Z85 key that decodes to 32 bytes.
    public static func isKey(_ text: String) -> Bool { text.utf8.count == 40 && decode(text) != nil }

    /// The 32 bytes of a Z85 key, or nil.
    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.count == 40 else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&out, text) == nil ? nil : out
    }

    /// The Z85 text of 32 key bytes, or nil for any other length.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 32 else { return nil }
        var out = [CChar](repeating: 0, count: 41)
        return bytes.withUnsafeBufferPointer { zmq_z85_encode(&out, $0.baseAddress, 32) } == nil ? nil : String(cString: out)
    }
}

/// How a socket authenticates its peers. Set before it binds or connects.
public enum SocketSecurity: Sendable, Equatable {
    /// Plain text, anyone may connect (loopback, tests, `inproc://`).
    case none
    /// The learner's side of CurveZMQ: every connection is encrypted, and the ZAP handler
    /// in the same context (`ZAPServer`) decides which client keys get in.
    case curveServer(secretKey: String)
    /// A worker's side: it proves `keys` and checks that the server holds `serverKey`'s secret.
    case curveClient(serverKey: String, keys: CurveKeyPair)

    /// A worker's own key pair (nil unless it is a CURVE client).
    public var keys: CurveKeyPair? {
        if case .curveClient(_, let k) = self { return k }
        return nil
    }

    /// The ZAP domain every learner socket asks about (one allow-list for all four ports).
    public static let zapDomain = "nanoreasoner"
}

extension ZMQSocket {
    /// Applies `security` (before `bind`/`connect`: libzmq reads it at handshake time).
    public func secure(_ security: SocketSecurity) throws {
        switch security {
        case .none:
            return
        case .curveServer(let secret):
            try set(ZMQ_CURVE_SERVER, Int32(1))
            try set(ZMQ_CURVE_SECRETKEY, bytes: Array(secret.utf8))
            try set(ZMQ_ZAP_DOMAIN, bytes: Array(SocketSecurity.zapDomain.utf8))
            // No handler answering means nobody gets in, rather than everybody. A draft option
            // (ZMQ_ZAP_ENFORCE_DOMAIN = 93): builds without it rely on the handler being bound first.
            try? set(93, Int32(1))
        case .curveClient(let server, let keys):
            try set(ZMQ_CURVE_SERVERKEY, bytes: Array(server.utf8))
            try set(ZMQ_CURVE_PUBLICKEY, bytes: Array(keys.publicKey.utf8))
            try set(ZMQ_CURVE_SECRETKEY, bytes: Array(keys.secretKey.utf8))
        }
    }
}
