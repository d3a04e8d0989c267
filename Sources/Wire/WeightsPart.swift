/// A slice of an encoded weights message. Relaying actors forward each part as it
/// arrives, so a chain of actors passes the weights on in a pipeline instead of each
/// waiting for the whole message (store-and-forward would cost one full transfer per hop).
public struct WeightsPart: Equatable, Sendable {
    /// The policy version of the whole message (parts of a newer one supersede an older one's).
    public var version: UInt64
    public var index: UInt32
    public var count: UInt32
    /// Where this part's bytes go in the whole message, and the whole message's size.
    public var offset: UInt64
    public var totalBytes: UInt64
    public var bytes: [UInt8]

    public init(version: UInt64, index: UInt32, count: UInt32, offset: UInt64, totalBytes: UInt64, bytes: [UInt8]) {
        self.version = version; self.index = index; self.count = count
        self.offset = offset; self.totalBytes = totalBytes; self.bytes = bytes
    }

    /// The part size: at 1 Gbit/s a part takes 1 ms on a link, the delay each relay adds.
    public static let defaultBytes = 128 << 10

    /// Parts a message of `bytes` splits into.
    public static func partCount(messageBytes bytes: Int, partBytes: Int = defaultBytes) -> Int {
        max(1, (bytes + partBytes - 1) / partBytes)
    }

    /// Messages a socket queues for a slow peer of weights in parts: four versions' worth (the
    /// +1 covers the header beside the floats), so it drops old weights, not memory.
    public static func queueDepth(messageBytes bytes: Int) -> Int32 {
        Int32(4 * (partCount(messageBytes: bytes) + 1))
    }

    /// `message` (an encoded weights message of `version`) as encoded part messages.
    public static func split(_ message: [UInt8], version: UInt64, partBytes: Int = defaultBytes) -> [[UInt8]] {
        let n = partCount(messageBytes: message.count, partBytes: partBytes)
        return message.withUnsafeBytes { all in
            (0..<n).map { i in
                let lo = i * partBytes, hi = min(message.count, lo + partBytes)
                let slice = UnsafeRawBufferPointer(rebasing: all[lo..<hi])
                return Frame.encode(type: MessageType.weightsPart.rawValue, compress: false, capacity: 40 + slice.count) { w in
                    w.u64(version); w.u32(UInt32(i)); w.u32(UInt32(n)); w.u64(UInt64(lo)); w.u64(UInt64(message.count))
                    w.rawBytes(slice)
                }
            }
        }
    }
}

/// Puts a weights message back together from its parts. Holds one message at a time: a
/// part of a newer version drops an unfinished older one (it is superseded anyway); parts
/// of older versions are ignored.
public struct WeightsAssembler {
    private var version: UInt64?
    private var buffer: [UInt8] = []
    private var have: [Bool] = []
    private var missing = 0
    private let limit: Int

    /// `limit`: the largest whole message accepted (a part may not make us allocate more).
    public init(limit: Int = Frame.defaultLimit) { self.limit = limit }

    /// Adds a part; the whole encoded message when this part completed it.
    public mutating func add(_ p: WeightsPart) throws -> [UInt8]? {
        guard p.count >= 1, p.index < p.count, p.totalBytes <= UInt64(limit),
              p.offset + UInt64(p.bytes.count) <= p.totalBytes else {
            throw WireError.invalid("weights part \(p.index) of \(p.count) at \(p.offset)+\(p.bytes.count) of \(p.totalBytes) bytes")
        }
        if let v = version, p.version < v { return nil }
        if version != p.version || buffer.count != Int(p.totalBytes) || have.count != Int(p.count) {
            version = p.version
            buffer = [UInt8](repeating: 0, count: Int(p.totalBytes))
            have = [Bool](repeating: false, count: Int(p.count))
            missing = Int(p.count)
        }
        guard !have[Int(p.index)] else { return nil }
        buffer.withUnsafeMutableBytes { dst in
            p.bytes.withUnsafeBytes { (dst.baseAddress! + Int(p.offset)).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        have[Int(p.index)] = true
        missing -= 1
        guard missing == 0 else { return nil }
        defer { buffer = []; have = [] }
        return buffer
    }
}

/// Where a relaying actor takes its weights from and whom it passes them to.
public struct WeightsRoute: Equatable, Sendable {
    /// The endpoint to subscribe to: the learner's weights port or another actor's relay.
    public var upstream: String
    /// The upstream's CURVE public key (Z85); empty on a plain-text cluster.
    public var upstreamKey: String
    /// The CURVE public keys allowed to subscribe to this actor's relay (the learner sends the
    /// cluster's allowed workers, so that an actor routed here is let in whenever it connects).
    public var downstreamKeys: [String]

    public init(upstream: String, upstreamKey: String = "", downstreamKeys: [String] = []) {
        self.upstream = upstream; self.upstreamKey = upstreamKey; self.downstreamKeys = downstreamKeys
    }
}
