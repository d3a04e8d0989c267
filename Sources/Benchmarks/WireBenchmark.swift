import Foundation
import Wire

/// The message codec on its own: `encoded()` (payload, LZ4 when the type compresses, CRC-32C,
/// header) followed by `Message.decode` (checks, CRC-32C, LZ4 decompression, parsing).
public enum WireBenchmark {
    public struct Result: Codable, Sendable {
        public var messages: Int
        /// Payload (uncompressed) bytes per message, averaged.
        public var payloadBytesPerMessage: Double
        /// Framed bytes on the wire per message, averaged.
        public var wireBytesPerMessage: Double
        /// Payload bytes over wire bytes.
        public var compressionRatio: Double
        /// Payload MB (10⁶ bytes) encoded and decoded per second, per repetition.
        public var megabytesPerSecond: Stats
        /// Seconds to encode and decode one message, per repetition.
        public var secondsPerMessage: Stats
    }

    /// Round-trips every message `repeats` times; throws if a message does not survive unchanged.
    public static func roundTrip(_ messages: [Message], repeats: Int) throws -> Result {
        guard !messages.isEmpty, repeats >= 1 else { throw BenchError.invalid("the wire benchmark needs messages and repeats ≥ 1") }
        var payload = 0, wire = 0
        for m in messages {
            let bytes = m.encoded()
            guard try Message.decode(bytes) == m else { throw BenchError.failed("a \(m.type) message did not round-trip") }
            payload += m.payload().count
            wire += bytes.count
        }
        var rates: [Double] = [], perMessage: [Double] = []
        var sink = 0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            for m in messages {
                let bytes = m.encoded()
                sink &+= try Message.decode(bytes).type == m.type ? 1 : 0
            }
            let secs = max(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, 1e-9)
            rates.append(Double(payload) / secs / 1e6)
            perMessage.append(secs / Double(messages.count))
        }
        guard sink == messages.count * repeats else { throw BenchError.failed("decoded message types changed") }
        let n = Double(messages.count)
        return Result(messages: messages.count, payloadBytesPerMessage: Double(payload) / n, wireBytesPerMessage: Double(wire) / n,
                      compressionRatio: Double(payload) / Double(max(wire, 1)),
                      megabytesPerSecond: Stats(rates), secondsPerMessage: Stats(perMessage))
    }
}
