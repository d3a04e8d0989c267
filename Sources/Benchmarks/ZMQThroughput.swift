import Foundation
import Transport

/// Framed messages PUSH → PULL over tcp loopback: the transport alone (bytes are encoded
/// beforehand and the receiver does not decode them), sender and receiver on two threads.
public enum ZMQThroughput {
    public struct Result: Codable, Sendable {
        public var messagesPerRepeat: Int
        public var bytesPerMessage: Double
        public var messagesPerSecond: Stats
        /// Wire MB (10⁶ bytes) per second.
        public var megabytesPerSecond: Stats
        /// Seconds per message (the reciprocal of the rate), per repetition.
        public var secondsPerMessage: Stats
    }

    /// Sends `count` messages (cycling through `frames`) per repetition, timed from the first
    /// send to the last receive, after a handshake message has gone through.
    /// `curve`: both ends run CurveZMQ, as the cluster's sockets do by default.
    public static func run(frames: [[UInt8]], count: Int, repeats: Int, curve: Bool = false) throws -> Result {
        guard !frames.isEmpty, count >= 1, repeats >= 1 else { throw BenchError.invalid("ZeroMQ throughput needs frames, count and repeats ≥ 1") }
        let context = ZMQContext()
        let security = try CurveSetup(context, curve: curve)
        defer { security.stop() }
        // Sockets are closed when `measure` returns, before the context terminates.
        return try withExtendedLifetime(context) { try measure(context, frames: frames, count: count, repeats: repeats, security: security) }
    }

    private static func measure(_ context: ZMQContext, frames: [[UInt8]], count: Int, repeats: Int, security: CurveSetup) throws -> Result {
        let pull = try ZMQSocket(context, .pull, security: security.server)
        try pull.bind("tcp://127.0.0.1:0")
        let push = try ZMQSocket(context, .push, security: security.client)
        try push.setSendTimeout(10)
        try push.connect(pull.endpoint)
        let receiver = Receiver(pull, perRepeat: count, repeats: repeats)
        receiver.start()
        try push.send(frames[0])
        guard receiver.arrived.wait(timeout: .now() + 10) == .success else { throw BenchError.failed("no handshake on \(pull.endpoint)") }
        var rates: [Double] = [], bytes = 0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            for i in 0..<count {
                let f = frames[i % frames.count]
                bytes += f.count
                guard try push.send(f) else { throw BenchError.failed("send timed out on \(pull.endpoint)") }
            }
            guard receiver.arrived.wait(timeout: .now() + 30) == .success else { throw BenchError.failed(receiver.failure ?? "receiver stalled") }
            rates.append(Double(count) / max(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, 1e-9))
        }
        _ = receiver.finished.wait(timeout: .now() + 10)
        let perMessage = Double(bytes) / Double(count * repeats)
        let r = Stats(rates)
        return Result(messagesPerRepeat: count, bytesPerMessage: perMessage, messagesPerSecond: r,
                      megabytesPerSecond: r.scaled(perMessage / 1e6), secondsPerMessage: Stats(rates.map { 1 / $0 }))
    }
}
