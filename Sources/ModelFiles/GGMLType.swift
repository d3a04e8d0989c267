/// A ggml tensor type (the `type` of a GGUF tensor info): its name and block layout.
public struct GGMLType: Equatable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let f32 = GGMLType(rawValue: 0)
    public static let f16 = GGMLType(rawValue: 1)
    public static let q4_0 = GGMLType(rawValue: 2)
    public static let q4_1 = GGMLType(rawValue: 3)
    public static let q8_0 = GGMLType(rawValue: 8)
    public static let bf16 = GGMLType(rawValue: 30)

    /// The types we dequantise to Float.
    public static let readable: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1]

    /// ggml's name ("Q4_K"), or "type N" for a number ggml does not define.
    public var name: String { Self.layouts[rawValue]?.name ?? "type \(rawValue)" }
    public var description: String { name }

    /// Elements per block and bytes per block, or nil for a type ggml does not define. Known
    /// for every ggml type so that a file's offsets and sizes can be checked even when a
    /// tensor's type is one we cannot dequantise.
    public var blockLayout: (elements: Int, bytes: Int)? {
        Self.layouts[rawValue].map { ($0.elements, $0.bytes) }
    }

    public var isReadable: Bool { Self.readable.contains(self) }

    /// ggml.h's type numbers with their block sizes (QK_K = 256 for the K and IQ families).
    private static let layouts: [UInt32: (name: String, elements: Int, bytes: Int)] = [
        0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
        6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 40),
        10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176),
        14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292), 16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74),
        18: ("IQ3_XXS", 256, 98), 19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110),
        22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2),
        26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56),
        30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54), 35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17),
        40: ("NVFP4", 64, 36), 41: ("Q1_0", 128, 18),
    ]

    /// Converts `src` (whole blocks of this type) to `out.count` Floats. Only for readable types.
    func dequantize(_ src: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Float>) {
        @inline(__always) func u16(_ offset: Int) -> UInt16 { UInt16(littleEndian: src.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
        @inline(__always) func half(_ offset: Int) -> Float { HalfFloat.float(fromHalf: u16(offset)) }
        switch self {
        case .f32:
            UnsafeMutableRawBufferPointer(out).copyMemory(from: src)
        case .f16:
            for i in 0..<out.count { out[i] = half(2 * i) }
        case .bf16:
            for i in 0..<out.count { out[i] = HalfFloat.float(fromBFloat16: u16(2 * i)) }
        case .q8_0:
            // Block: f16 scale d, then 32 signed bytes q; x = q·d.
            for b in 0..<(out.count / 32) {
                let base = 34 * b
                let d = half(base)
                for j in 0..<32 { out[32 * b + j] = Float(Int8(bitPattern: src[base + 2 + j])) * d }
            }
        case .q4_0:
            // Block: f16 scale d, then 16 bytes of nibbles: the low nibbles are elements 0…15,
            // the high ones 16…31; x = (nibble − 8)·d.
            for b in 0..<(out.count / 32) {
                let base = 18 * b
                let d = half(base)
                for j in 0..<16 {
                    let byte = src[base + 2 + j]
                    out[32 * b + j] = Float(Int(byte & 0x0F) - 8) * d
                    out[32 * b + j + 16] = Float(Int(byte >> 4) - 8) * d
                }
            }
        case .q4_1:
            // Block: f16 scale d, f16 minimum m, then nibbles as in Q4_0; x = nibble·d + m.
            for b in 0..<(out.count / 32) {
                let base = 20 * b
                let d = half(base), m = half(base + 2)
                for j in 0..<16 {
                    let byte = src[base + 4 + j]
                    out[32 * b + j] = Float(byte & 0x0F) * d + m
                    out[32 * b + j + 16] = Float(byte >> 4) * d + m
                }
            }
        default:
            preconditionFailure("dequantize called for \(name); callers check isReadable")
        }
    }
}
