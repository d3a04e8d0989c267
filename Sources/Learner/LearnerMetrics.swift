import Eval
import Foundation
import Trainer

/// One line of the learner's `metrics.jsonl`.
public struct LearnerStepMetrics: Codable, Sendable {
    public var step: Int
    public var policyVersion: Int
    public var reward: Float = 0
    public var accuracy: Float = 0
    public var formatRate: Float = 0
    public var loss: Float = 0
    public var kl: Float = 0
    public var entropy: Float = 0
    public var clipFraction: Float = 0
    public var completionLength: Float = 0
    /// Of the groups that arrived this step (and were fresh enough), the share with equal rewards.
    public var zeroVarianceFraction: Float = 0
    public var stalenessMean: Double = 0
    public var stalenessMax: Int = 0
    public var groupsTrained = 0
    public var groupsDroppedStale = 0
    public var groupsZeroVariance = 0
    public var sampledTokensPerSecond: Double = 0
    public var trajectoriesPerSecond: Double = 0
    public var wireBytes = 0
    /// Payload bytes before LZ4 over bytes on the wire, for trajectories.
    public var compressionRatio: Double = 0
    /// Forward + backward + AdamW of this step.
    public var learnerUpdateSeconds: Double = 0
    /// Time the learner waited for scored groups.
    public var learnerWaitSeconds: Double = 0
    public var broadcastSeconds: Double = 0
    public var stepSeconds: Double = 0
    public var elapsedSeconds: Double = 0
    public var liveActors = 0
    public var liveVerifiers = 0
    public var actorIdleFraction: Double = 0
    public var rejectedMessages = 0
    public var verifierTimeouts = 0
    public var ledger = LedgerCounts()
    public var evalPassAt1: Double?
    public var evalPassAtK: Double?

    public init(step: Int, policyVersion: Int) {
        self.step = step
        self.policyVersion = policyVersion
    }
}

/// What a finished (or stopped) run reports, on screen and as `summary.json`.
public struct LearnerSummary: Codable, Sendable {
    public var algorithm: String
    public var steps: Int
    public var seconds: Double
    public var before: Evaluator.Report?
    public var after: Evaluator.Report?
    public var passAt1Gain: Double?
    public var ledger: LedgerCounts
    public var rejectedMessages: [String: Int]
    public var verifierTimeouts: Int
    public var stalenessMean: Double
    public var sampledTokensPerSecond: Double
    public var trajectoriesPerSecond: Double
    public var checkpoint: String
    public var log: String
    public var plot: String
    public var stoppedEarly: Bool
}

/// What `--resume` needs besides weights and optimiser: where the data stream stood.
public struct LearnerState: Codable, Sendable {
    public var step: Int
    public var policyVersion: Int
    public var cursor: Int
    /// Prompts handed out but not settled when the checkpoint was written; handed out first on resume.
    public var pending: [Int]
    public var ledger: LedgerCounts
    public var elapsedSeconds: Double
    public var seed: UInt64
    public var before: Evaluator.Report?
    /// The curriculum's statistics, so a resumed run accepts the same prompts.
    public var curriculum: PromptCurriculum?

    public static let file = "learner_state.json"
}
