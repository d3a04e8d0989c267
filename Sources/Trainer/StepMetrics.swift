import Verifier

/// One line of the training log (`train_log.jsonl`).
public struct StepMetrics: Codable, Sendable {
    public var step: Int
    public var reward: Float = 0
    public var accuracy: Float = 0
    public var formatRate: Float = 0
    public var loss: Float = 0
    public var kl: Float = 0
    public var entropy: Float = 0
    public var clipFraction: Float = 0
    /// Fraction of sampled groups whose rewards were all equal (no GRPO signal).
    public var zeroVarianceFraction: Float
    public var completionLength: Float = 0
    public var sampledTokensPerSecond: Double
    public var groupsTrained: Int
    public var groupsSampled: Int
    public var gradNorm: Float = 0
    public var lr: Float = 0
    public var stepSeconds: Double = 0
    /// The step's two halves: sampling and scoring groups, then the policy update.
    public var samplingSeconds: Double = 0
    public var updateSeconds: Double = 0
    public var elapsedSeconds: Double = 0
    /// Set on evaluation steps.
    public var evalPassAt1: Double?
    public var evalPassAtK: Double?

    public init(step: Int, zeroVarianceFraction: Float, sampledTokensPerSecond: Double, groupsTrained: Int, groupsSampled: Int) {
        self.step = step
        self.zeroVarianceFraction = zeroVarianceFraction
        self.sampledTokensPerSecond = sampledTokensPerSecond
        self.groupsTrained = groupsTrained
        self.groupsSampled = groupsSampled
    }

    /// Mean reward, accuracy and format rate of the trained completions.
    public mutating func record(scores: [Score]) {
        guard !scores.isEmpty else { return }
        let n = Float(scores.count)
        reward = scores.reduce(0) { $0 + $1.reward } / n
        accuracy = Float(scores.filter(\.correct).count) / n
        formatRate = Float(scores.filter(\.wellFormed).count) / n
    }

    public mutating func record(_ u: UpdateStats) {
        loss = u.loss
        kl = u.kl
        entropy = u.entropy
        clipFraction = u.clipFraction
        gradNorm = u.gradNorm
        lr = u.lr
        completionLength = u.completionLength
    }
}
