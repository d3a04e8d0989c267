import RL
import Sampler
import Verifier
import Completions

/// One prompt's G sampled completions with their scores: the unit the learner trains on,
/// whether it was sampled in this process or arrived over the wire.
public struct ScoredGroup: Sendable {
    /// Prompt token ids, BOS included.
    public var prompt: [Int32]
    public var completions: [Completion]
    public var scores: [Score]
    /// Policy version that sampled it (for staleness; 0 in the single-process loop).
    public var policyVersion: Int

    public init(prompt: [Int32], completions: [Completion], scores: [Score], policyVersion: Int = 0) {
        self.prompt = prompt
        self.completions = completions
        self.scores = scores
        self.policyVersion = policyVersion
    }

    /// True when every completion got the same reward: no GRPO signal.
    public var isZeroVariance: Bool { RL.isZeroVariance(scores.map(\.reward)[...]) }
}
