/// A tiny seeded PRNG (Steele, Lea & Flood's SplitMix64).
///
/// The task generator must produce the same problems for the same seed on every
/// platform and Swift version, so it avoids `SystemRandomNumberGenerator` and the
/// standard library's `random(in:using:)` (whose algorithm is not a stable contract).
public struct SplitMix64: Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// Mixes one 64-bit value into a well-scrambled one; used to derive independent streams.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// A value in `0..<bound` (bound > 0). Uses the high half of a 128-bit product;
    /// the bias is at most bound/2^64, far below anything that matters here.
    mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be positive")
        return next().multipliedFullWidth(by: bound).high
    }

    /// A value in `range` (inclusive).
    mutating func next(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next(below: width))
    }
}
