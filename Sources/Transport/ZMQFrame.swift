import CZMQ

/// A received message part still in ZeroMQ's buffer: read in place (a 3.4 MB weights
/// frame is not copied out to be decoded), released when the object goes.
public final class ZMQFrame {
    private var message = zmq_msg_t()

    init() { zmq_msg_init(&message) }

    deinit { zmq_msg_close(&message) }

    /// Receives into this frame; the `zmq_msg_recv` return code.
    func receive(from socket: UnsafeMutableRawPointer, flags: Int32) -> Int32 { zmq_msg_recv(&message, socket, flags) }

    /// The bytes, valid while the frame lives.
    public var bytes: UnsafeRawBufferPointer {
        let n = zmq_msg_size(&message)
        return n == 0 ? UnsafeRawBufferPointer(start: nil, count: 0) : UnsafeRawBufferPointer(start: zmq_msg_data(&message), count: n)
    }
}

/// A buffer handed to ZeroMQ without a copy (`zmq_msg_init_data`): the array is kept alive
/// by this box until ZeroMQ has sent it to every peer and calls `release`.
final class SendBuffer {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Moves `bytes` into a message ZeroMQ owns; the message frees the box.
    static func message(_ bytes: [UInt8], into msg: inout zmq_msg_t) -> Int32 {
        let box = Unmanaged.passRetained(SendBuffer(bytes))
        // The box owns the array and nobody mutates it, so its storage stays where it is.
        let data = box.takeUnretainedValue().bytes.withUnsafeBytes { UnsafeMutableRawPointer(mutating: $0.baseAddress!) }
        return zmq_msg_init_data(&msg, data, bytes.count, { _, hint in
            Unmanaged<SendBuffer>.fromOpaque(hint!).release()
        }, box.toOpaque())
    }
}
