/// One line of the training log (`train_log.jsonl`).
public struct StepMetrics: Codable, Sendable {
    public var step: Int
    public var reward: Float
    public var accuracy: Float
    public var formatRate: Float
    public var loss: Float
    public var kl: Float
    public var entropy: Float
    public var clipFraction: Float
    /// Fraction of sampled groups whose rewards were all equal (no GRPO signal).
    public var zeroVarianceFraction: Float
    public var completionLength: Float
    public var sampledTokensPerSecond: Double
    public var groupsTrained: Int
    public var groupsSampled: Int
    public var gradNorm: Float
    public var lr: Float
    public var stepSeconds: Double
    public var elapsedSeconds: Double
    /// Set on evaluation steps.
    public var evalPassAt1: Double?
    public var evalPassAtK: Double?
}
