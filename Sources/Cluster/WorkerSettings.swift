import Sampler
import TinyGPT
import Verifier

/// What the learner tells a worker in `Welcome` (as JSON), so workers need no files of their own.
public struct WorkerSettings: Codable, Sendable {
    public var sampling: SamplingParams
    public var groupSize: Int
    public var model: GPTConfig
    /// The tokenizer's checkpoint JSON (`nanoreasoner_tokenizer.json`).
    public var tokenizerJSON: String
    public var reward: RewardConfig
    /// Seed the actors derive each group's sampling seed from.
    public var seed: UInt64
    public var heartbeatInterval: Double
    /// Command verifiers run instead of the built-in checker (empty: built-in).
    public var externalVerifier: String
    public var externalVerifierTimeout: Double

    public init(sampling: SamplingParams, groupSize: Int, model: GPTConfig, tokenizerJSON: String,
                reward: RewardConfig, seed: UInt64, heartbeatInterval: Double, externalVerifier: String, externalVerifierTimeout: Double) {
        self.sampling = sampling; self.groupSize = groupSize; self.model = model; self.tokenizerJSON = tokenizerJSON
        self.reward = reward; self.seed = seed; self.heartbeatInterval = heartbeatInterval
        self.externalVerifier = externalVerifier; self.externalVerifierTimeout = externalVerifierTimeout
    }
}
