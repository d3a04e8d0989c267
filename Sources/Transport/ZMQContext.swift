import CZMQ

/// One libzmq context per process (it owns the I/O thread).
public final class ZMQContext: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer

    public init() {
        raw = zmq_ctx_new()
    }

    deinit { zmq_ctx_term(raw) }
}
