/// Vectorisable `exp` and `tanh` for the hot loops (GELU, softmax).
///
/// libm's `expf`/`tanhf` are scalar calls the compiler cannot vectorise; these
/// polynomial versions are accurate to a few ulp in float32 and run 8 lanes at a time.
public enum FastMath {
    public typealias V8 = SIMD8<Float>

    /// exp(x) by range reduction x = n·ln2 + r, |r| ≤ ln2/2, and a degree-6 polynomial.
    /// Written with lane-wise selects only: the generic `clamped`/`rounded` helpers
    /// are not inlined and cost more than the polynomial.
    @inlinable @inline(__always)
    public static func exp(_ x: V8) -> V8 {
        let lo = V8(repeating: -87.3), hi = V8(repeating: 88.3)
        var cx = x.replacing(with: lo, where: x .< lo)
        cx = cx.replacing(with: hi, where: cx .> hi)
        // Round to nearest via the 1.5·2^23 trick (exact for |n| < 2^22).
        let magic = V8(repeating: 12_582_912)
        let n = (cx * 1.442695041 + magic) - magic
        var r = cx - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p = V8(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r * r + r + 1
        // 2^n without a float→int conversion: adding 2^23 puts the integer n+127
        // in the low mantissa bits; shifting by 23 moves it into the exponent.
        let biased = unsafeBitCast(n + (127 + 8_388_608), to: SIMD8<Int32>.self)
        return p * unsafeBitCast(biased &<< 23, to: V8.self)
    }

    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(V8(repeating: x))[0] }

    /// tanh(x) = sign(x)·(1 − e^{−2|x|}) / (1 + e^{−2|x|}), stable for all x.
    @inlinable @inline(__always)
    public static func tanh(_ x: V8) -> V8 {
        let a = x.replacing(with: -x, where: x .< 0)
        let e = exp(-2 * a)
        let t = (1 - e) / (1 + e)
        return t.replacing(with: -t, where: x .< 0)
    }

    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float { tanh(V8(repeating: x))[0] }
}
