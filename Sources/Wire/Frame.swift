/// The envelope every message travels in (see docs/PROTOCOL.md):
///
///     offset size field
///     0      4    magic "NRWP"
///     4      2    protocol version (4)
///     6      1    message type
///     7      1    flags: bit 0 = body is LZ4-compressed
///     8      4    payload length (after decompression)
///     12     4    body length (bytes after this header)
///     16     4    CRC-32C of the body (version 1 had CRC-32; it is refused)
///     20     …    body
///
/// All integers little-endian. Decoding checks magic, version, type, flags, both
/// lengths (against the message and the limit) and the checksum before it
/// allocates or decompresses anything.
public enum Frame {
    public static let magic: [UInt8] = Array("NRWP".utf8)
    /// 1: CRC-32; 2: CRC-32C; 3: actors may send reference log-probs (and hold the reference);
    /// 4: weights may travel in parts, relayed from actor to actor; 5: weights may travel as
    /// bfloat16, and carry no model config; heartbeats carry the worker's peak memory.
    public static let protocolVersion: UInt16 = 5
    public static let headerSize = 20
    public static let flagLZ4: UInt8 = 1
    /// Default ceiling on a payload: above a 135M-parameter model's weights as bfloat16 (269 MB).
    public static let defaultLimit = 512 << 20

    /// Wraps a payload; compresses it when `compress` is set and LZ4 makes it smaller.
    public static func encode(type: UInt8, payload: [UInt8], compress: Bool) -> [UInt8] {
        if compress, let packed = LZ4.compress(payload) {
            return framed(type: type, flags: flagLZ4, payloadCount: payload.count, body: packed)
        }
        return framed(type: type, flags: 0, payloadCount: payload.count, body: payload)
    }

    /// Builds a frame whose payload `write` appends. Uncompressed (the weights), the payload
    /// is written once, after a reserved header, into the buffer that is sent, and
    /// checksummed where it lies; a compressible one is written alone and framed by
    /// `encode(type:payload:compress:)`.
    public static func encode(type: UInt8, compress: Bool, capacity: Int, payload write: (inout ByteWriter) -> Void) -> [UInt8] {
        if compress {
            var p = ByteWriter(capacity: capacity)
            write(&p)
            return encode(type: type, payload: p.finish(), compress: true)
        }
        var w = ByteWriter(capacity: headerSize + capacity)
        w.zeros(headerSize)
        write(&w)
        var frame = w.finish()
        let crc = frame.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[headerSize...])) }
        let n = frame.count - headerSize
        frame.replaceSubrange(0..<headerSize, with: header(type: type, flags: 0, payloadCount: n, bodyCount: n, crc: crc))
        return frame
    }

    /// An uncompressed frame of `prefix` then `floats`, built in one buffer: the floats are
    /// copied into it once, checksummed as they are copied (the weights message); as
    /// bfloat16 they are converted into it, then checksummed.
    public static func encode(type: UInt8, prefix: [UInt8], floats: UnsafeBufferPointer<Float>,
                              precision: WeightPrecision = .fp32) -> [UInt8] {
        let floatBytes = precision.bytesPerParameter * floats.count, bodyCount = prefix.count + floatBytes
        return [UInt8](unsafeUninitializedCapacity: headerSize + bodyCount) { frame, initialized in
            let base = UnsafeMutableRawPointer(frame.baseAddress!)
            var crc = prefix.withUnsafeBytes { p -> UInt32 in
                (base + headerSize).copyMemory(from: p.baseAddress!, byteCount: p.count)
                return CRC32C.checksum(p)
            }
            if let source = floats.baseAddress {
                let target = base + headerSize + prefix.count
                if precision == .fp32 {
                    crc = CRC32C.copy(target, from: source, count: floatBytes, continuing: crc)
                } else {
                    for i in 0..<floats.count {  // unaligned: the prefix is 13 bytes
                        target.storeBytes(of: WeightPrecision.bf16Bits(source[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                    }
                    crc = CRC32C.checksum(UnsafeRawBufferPointer(start: target, count: floatBytes), continuing: crc)
                }
            }
            header(type: type, flags: 0, payloadCount: bodyCount, bodyCount: bodyCount, crc: crc).withUnsafeBytes {
                base.copyMemory(from: $0.baseAddress!, byteCount: headerSize)
            }
            initialized = headerSize + bodyCount
        }
    }

    /// Header + a copy of `body`.
    private static func framed(type: UInt8, flags: UInt8, payloadCount: Int, body: [UInt8]) -> [UInt8] {
        var out = header(type: type, flags: flags, payloadCount: payloadCount, bodyCount: body.count, crc: CRC32C.checksum(body))
        out.append(contentsOf: body)
        return out
    }

    private static func header(type: UInt8, flags: UInt8, payloadCount: Int, bodyCount: Int, crc: UInt32) -> [UInt8] {
        var h = ByteWriter(capacity: headerSize)
        for b in magic { h.u8(b) }
        h.u16(protocolVersion)
        h.u8(type)
        h.u8(flags)
        h.u32(UInt32(payloadCount))
        h.u32(UInt32(bodyCount))
        h.u32(crc)
        return h.finish()
    }

    /// The payload length a frame's header declares (its size before compression), without
    /// decoding it; nil when there is no header.
    public static func payloadLength(of message: [UInt8]) -> Int? {
        guard message.count >= headerSize else { return nil }
        return Int(message[8]) | Int(message[9]) << 8 | Int(message[10]) << 16 | Int(message[11]) << 24
    }

    /// The message type a header names (read without decoding; nil without a header or a known type).
    public static func messageType(of message: UnsafeRawBufferPointer) -> MessageType? {
        message.count >= headerSize ? MessageType(rawValue: message[6]) : nil
    }

    /// Validates the envelope and returns the message type and the (decompressed) payload.
    public static func decode(_ message: UnsafeRawBufferPointer, limit: Int = defaultLimit) throws -> (type: UInt8, payload: [UInt8]) {
        try withPayload(message, limit: limit) { type, payload, unverified in
            if let crc = unverified, CRC32C.checksum(payload) != crc { throw WireError.checksumMismatch }
            return (type, Array(payload))
        }
    }

    /// Checks the envelope, then calls `read` with the payload where it lies. An uncompressed
    /// body is passed in place, not yet checksummed: `unverified` is the CRC-32C it must have,
    /// for the reader to compare with what it computes as it reads (one pass over a weights
    /// frame instead of two). A compressed body is checked, then decompressed; `unverified` is nil.
    public static func withPayload<T>(_ message: UnsafeRawBufferPointer, limit: Int = defaultLimit,
                                      _ read: (_ type: UInt8, _ payload: UnsafeRawBufferPointer, _ unverified: UInt32?) throws -> T)
        throws -> T {
        let h = try header(of: message, limit: limit)
        let body = UnsafeRawBufferPointer(rebasing: message[headerSize...])
        if h.flags & flagLZ4 != 0 {
            guard CRC32C.checksum(body) == h.crc else { throw WireError.checksumMismatch }
            // LZ4 expands a block at most ~255×: a larger claim would only make us allocate it.
            guard h.payloadLength <= h.bodyLength * 255 + 16 else {
                throw WireError.invalid("LZ4 body of \(h.bodyLength) bytes cannot hold the \(h.payloadLength) bytes declared")
            }
            let payload = try LZ4.decompress(body, size: h.payloadLength)
            return try payload.withUnsafeBytes { try read(h.type, $0, nil) }
        }
        guard h.payloadLength == h.bodyLength else { throw WireError.lengthMismatch(declared: h.payloadLength, actual: h.bodyLength) }
        return try read(h.type, body, h.crc)
    }

    private struct Header {
        var type: UInt8, flags: UInt8, payloadLength: Int, bodyLength: Int, crc: UInt32
    }

    /// Magic, version, type, flags and both lengths checked, before anything is allocated.
    private static func header(of message: UnsafeRawBufferPointer, limit: Int) throws -> Header {
        guard message.count >= headerSize else { throw WireError.tooShort(message.count) }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: message[0..<headerSize]))
        for b in magic where try r.u8() != b { throw WireError.badMagic }
        let version = try r.u16()
        guard version == protocolVersion else { throw WireError.wrongVersion(version) }
        let type = try r.u8()
        guard MessageType(rawValue: type) != nil else { throw WireError.unknownType(type) }
        let flags = try r.u8()
        guard flags & ~flagLZ4 == 0 else { throw WireError.unknownFlags(flags) }
        let h = Header(type: type, flags: flags, payloadLength: Int(try r.u32()), bodyLength: Int(try r.u32()), crc: try r.u32())
        guard h.bodyLength == message.count - headerSize else {
            throw WireError.lengthMismatch(declared: h.bodyLength, actual: message.count - headerSize)
        }
        guard h.payloadLength <= limit else { throw WireError.tooLarge(h.payloadLength, limit: limit) }
        return h
    }
}
