/// Conversions from the 16-bit float formats model files store to Float. Both are exact:
/// every half and every bfloat16 value is a Float. Written out by hand rather than with
/// `Float16`, which Swift does not offer on every platform we build for.
enum HalfFloat {
    /// IEEE 754 binary16 (safetensors F16, ggml F16 and the scales of ggml's quantised blocks).
    @inline(__always)
    static func float(fromHalf h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F {  // infinity or NaN, payload kept
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        }
        if exponent == 0 {  // zero or subnormal: mantissa × 2⁻²⁴, exact in a Float
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        // Rebias the exponent from 15 to 127.
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }

    /// bfloat16: the top half of a Float's bits.
    @inline(__always)
    static func float(fromBFloat16 b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }
}
