import CZMQ

/// A libzmq call failed; the text says which call, on which endpoint, and libzmq's reason.
public struct ZMQError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let errno: Int32
    public var description: String { "\(call): \(String(cString: zmq_strerror(errno)))" }

    static func last(_ call: String) -> ZMQError { ZMQError(call: call, errno: zmq_errno()) }
}
