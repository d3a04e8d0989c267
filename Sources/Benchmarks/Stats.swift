/// The summary of repeated measurements: median with the min–max range and every run.
public struct Stats: Codable, Sendable, Equatable {
    public var median: Double
    public var min: Double
    public var max: Double
    /// Every repetition, in the order measured.
    public var runs: [Double]

    /// Summarises `values`; an empty list (nothing measured) gives zeros.
    public init(_ values: [Double]) {
        runs = values
        let s = values.filter { $0.isFinite }.sorted()
        guard let lo = s.first, let hi = s.last else { median = 0; min = 0; max = 0; return }
        min = lo
        max = hi
        median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Every figure multiplied by `k` (unit changes: seconds → ms, tokens → GFLOP).
    public func scaled(_ k: Double) -> Stats { Stats(runs.map { $0 * k }) }

    /// True when there is at least one measurement.
    public var isEmpty: Bool { runs.isEmpty }
}

extension Stats {
    /// The sum of two independently measured quantities: min+min, median+median, max+max.
    public func adding(_ other: Stats) -> Stats {
        guard !isEmpty, !other.isEmpty else { return isEmpty ? other : self }
        return Stats([min + other.min, median + other.median, max + other.max])
    }
}
