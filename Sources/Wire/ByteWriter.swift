/// Appends little-endian fields to a growing byte buffer.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// Appends `n` zero bytes (room for a header written over them later).
    public mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }

    /// Gives up the buffer without a copy.
    public consuming func finish() -> [UInt8] { bytes }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func u16(_ v: UInt16) { fixed(v.littleEndian) }
    public mutating func u32(_ v: UInt32) { fixed(v.littleEndian) }
    public mutating func u64(_ v: UInt64) { fixed(v.littleEndian) }
    public mutating func f32(_ v: Float) { u32(v.bitPattern) }
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }

    public mutating func count(_ n: Int) { u32(UInt32(n)) }

    public mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        count(utf8.count)
        bytes.append(contentsOf: utf8)
    }

    public mutating func optionalString(_ s: String?) {
        bool(s != nil)
        if let s { string(s) }
    }

    /// Floats as raw little-endian IEEE bits (one copy; fp32 does not compress, so no tricks).
    public mutating func floats(_ v: [Float]) {
        v.withUnsafeBufferPointer { floats($0) }
    }

    /// Floats straight from a buffer (a model's parameters), without an array in between.
    public mutating func floats(_ v: UnsafeBufferPointer<Float>) {
        count(v.count)
        bytes.append(contentsOf: UnsafeRawBufferPointer(v))  // x86-64 and arm64 are little-endian
    }

    /// Floats as bfloat16 (`WeightPrecision.bf16`), rounded to nearest even.
    public mutating func bf16(_ v: [Float]) {
        count(v.count)
        for x in v { u16(WeightPrecision.bf16Bits(x)) }
    }

    /// A length-prefixed run of raw bytes.
    public mutating func rawBytes(_ v: UnsafeRawBufferPointer) {
        count(v.count)
        bytes.append(contentsOf: v)
    }

    /// Token ids in the narrowest of 1, 2 or 4 bytes that holds the largest, so LZ4 finds repeats.
    public mutating func tokens(_ v: [Int32]) {
        let top = v.max() ?? 0, bottom = v.min() ?? 0
        let width: UInt8 = bottom < 0 ? 4 : top < 256 ? 1 : top < 65_536 ? 2 : 4
        count(v.count)
        u8(width)
        switch width {
        case 1: for t in v { bytes.append(UInt8(t)) }
        case 2: for t in v { u16(UInt16(t)) }
        default: for t in v { u32(UInt32(bitPattern: t)) }
        }
    }

    private mutating func fixed<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }
}
