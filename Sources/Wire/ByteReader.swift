/// Reads little-endian fields, checking every length against what is left before
/// allocating anything, so a hostile length cannot make us allocate gigabytes.
///
/// It reads memory it does not own (a received frame, in place): the caller keeps the
/// bytes alive while it reads. Made `checksumming`, it keeps a CRC-32C of what it has
/// read, taken while `floats` copies, so a weights frame is read once, not twice.
public struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    public private(set) var offset = 0
    private let checksumming: Bool
    /// The CRC-32C of bytes[0..<checked].
    private var crc: UInt32 = 0, checked = 0

    public init(_ bytes: UnsafeRawBufferPointer, checksumming: Bool = false) {
        self.bytes = bytes
        self.checksumming = checksumming
    }

    /// The CRC-32C of every byte (read or not), for a reader made `checksumming`.
    public mutating func checksum() -> UInt32 {
        catchUp(to: bytes.count)
        return crc
    }

    private mutating func catchUp(to end: Int) {
        guard checksumming, end > checked else { return }
        crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[checked..<end]), continuing: crc)
        checked = end
    }

    public var remaining: Int { bytes.count - offset }

    private mutating func take(_ n: Int, _ what: String) throws -> Range<Int> {
        guard n >= 0, n <= remaining else { throw WireError.truncated(what) }
        defer { offset += n }
        return offset..<(offset + n)
    }

    private mutating func fixed<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        let r = try take(MemoryLayout<T>.size, what)
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: r.lowerBound, as: T.self))
    }

    public mutating func u8(_ what: String = "u8") throws -> UInt8 { bytes[try take(1, what).lowerBound] }
    public mutating func u16(_ what: String = "u16") throws -> UInt16 { try fixed(UInt16.self, what) }
    public mutating func u32(_ what: String = "u32") throws -> UInt32 { try fixed(UInt32.self, what) }
    public mutating func u64(_ what: String = "u64") throws -> UInt64 { try fixed(UInt64.self, what) }
    public mutating func f32(_ what: String = "f32") throws -> Float { Float(bitPattern: try u32(what)) }
    public mutating func f64(_ what: String = "f64") throws -> Double { Double(bitPattern: try u64(what)) }

    public mutating func bool(_ what: String = "bool") throws -> Bool {
        switch try u8(what) {
        case 0: return false
        case 1: return true
        case let b: throw WireError.invalid("\(what): boolean byte \(b)")
        }
    }

    /// An element count, checked against the bytes left (each element takes at least `minSize`).
    public mutating func count(_ what: String, minSize: Int = 1) throws -> Int {
        let n = Int(try u32(what))
        guard n * max(minSize, 0) <= remaining else { throw WireError.truncated("\(what) (\(n) elements declared)") }
        return n
    }

    public mutating func string(_ what: String = "string") throws -> String {
        let r = try take(try count(what), what)
        guard let s = String(validating: bytes[r], as: UTF8.self) else { throw WireError.invalid("\(what) is not UTF-8") }
        return s
    }

    public mutating func optionalString(_ what: String = "string") throws -> String? {
        try bool(what) ? try string(what) : nil
    }

    public mutating func floats(_ what: String = "floats") throws -> [Float] {
        let n = try count(what, minSize: 4)
        let r = try take(n * 4, what)
        catchUp(to: r.lowerBound)
        return [Float](unsafeUninitializedCapacity: n) { buf, done in
            done = n
            guard n > 0 else { return }
            let source = bytes.baseAddress! + r.lowerBound
            guard checksumming else { return UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: source, byteCount: 4 * n) }
            crc = CRC32C.copy(buf.baseAddress!, from: source, count: 4 * n, continuing: crc)
            checked = r.upperBound
        }
    }

    /// bfloat16s (`WeightPrecision.bf16`), widened to fp32.
    public mutating func bf16(_ what: String = "bf16") throws -> [Float] {
        let n = try count(what, minSize: 2)
        let r = try take(n * 2, what)
        catchUp(to: r.upperBound)
        return [Float](unsafeUninitializedCapacity: n) { buf, done in
            for i in 0..<n {
                buf[i] = WeightPrecision.float(bf16: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: r.lowerBound + 2 * i, as: UInt16.self)))
            }
            done = n
        }
    }

    /// A length-prefixed run of raw bytes (a part of a larger message), copied out.
    public mutating func rawBytes(_ what: String = "bytes") throws -> [UInt8] {
        let r = try take(try count(what), what)
        catchUp(to: r.lowerBound)
        return Array(UnsafeRawBufferPointer(rebasing: bytes[r]))
    }

    public mutating func tokens(_ what: String = "tokens") throws -> [Int32] {
        let n = Int(try u32(what))
        let width = Int(try u8(what))
        guard width == 1 || width == 2 || width == 4 else { throw WireError.invalid("\(what): token width \(width)") }
        let r = try take(n * width, what)
        var out = [Int32](repeating: 0, count: n)
        var i = r.lowerBound
        for k in 0..<n {
            switch width {
            case 1: out[k] = Int32(bytes[i])
            case 2: out[k] = Int32(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)
            default: out[k] = Int32(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
            }
            i += width
        }
        return out
    }

    /// Fails unless every byte was consumed (trailing garbage is a malformed message).
    public func expectEnd(_ what: String) throws {
        if remaining != 0 { throw WireError.invalid("\(remaining) trailing bytes after \(what)") }
    }
}
