import Kernels

/// A percentile bootstrap over problems: the spread of a mean when the problems themselves
/// are the sample (a new held-out set of the same size would move it this much).
public enum Bootstrap {
    /// The central `level` interval of the mean of `values`, from `resamples` resamplings
    /// with replacement (seeded, so a report is reproducible). [v, v] for a single value.
    public static func interval(_ values: [Double], level: Double = 0.95, resamples: Int = 2000,
                                seed: UInt64 = 0x5EED) -> (low: Double, high: Double) {
        guard values.count > 1, resamples > 0 else { let v = values.first ?? 0; return (v, v) }
        var rng = Xoshiro256(seed: seed)
        let n = values.count
        var means = (0..<resamples).map { _ in
            var sum = 0.0
            for _ in 0..<n { sum += values[Int(rng.next() % UInt64(n))] }
            return sum / Double(n)
        }
        means.sort()
        let tail = (1 - level) / 2
        return (quantile(means, tail), quantile(means, 1 - tail))
    }

    /// The q-quantile of sorted values, taking the value at rank ⌈q·count⌉ (no interpolation,
    /// so a discrete distribution's quantiles are values it takes).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank - 1, 0), sorted.count - 1)]
    }
}
