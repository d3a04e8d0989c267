import Foundation

/// Linear warm-up to `peak`, then cosine decay to `peak × minFraction` at `totalSteps`.
public struct LRSchedule: Codable, Sendable, Equatable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minFraction: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, minFraction: Float = 0.1) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minFraction = minFraction
    }

    /// Learning rate for 0-based `step`.
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps)
        let progress = min(1, Float(step - warmupSteps) / Float(span))
        let cosine = 0.5 * (1 + cos(Float.pi * progress))
        return peak * (minFraction + (1 - minFraction) * cosine)
    }
}
