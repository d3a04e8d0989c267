import Policy
import Sampler
import Verifier

/// What the learner tells a worker in `Welcome` (as JSON), so workers need no files of their own.
public struct WorkerSettings: Codable, Sendable {
    public var sampling: SamplingParams
    public var groupSize: Int
    /// The model the learner trains: actors build one of this shape and take its weights.
    public var model: ModelSpec
    public var reward: RewardConfig
    /// Seed the actors derive each group's sampling seed from.
    public var seed: UInt64
    /// Seconds between a worker's heartbeats.
    public var heartbeatInterval: Double
    /// Largest message a worker's sockets accept (the weights are the largest).
    public var maxMessageBytes: Int
    /// Command verifiers run instead of the built-in checker (empty: built-in).
    public var externalVerifier: String
    public var externalVerifierTimeout: Double
    /// Actors compute each completion's reference log-probs (the learner publishes the reference).
    public var referenceOnActors: Bool
    /// Actors relay the weights to this many actors each (0: every actor subscribes to the learner).
    public var weightFanout: Int
    /// A LoRA run: actors read the frozen base from disk and the weights carry only the adapters.
    public var adapters: AdaptedBase?
    /// The size of one weights message (what is trained, at the run's precision), which sizes
    /// the relays' queues; nil: the whole model as fp32.
    public var weightsBytes: Int?

    /// One weights message's bytes, for sizing what holds them.
    public var weightsMessageBytes: Int { weightsBytes ?? 4 * model.parameterCount }

    public init(sampling: SamplingParams, groupSize: Int, model: ModelSpec, reward: RewardConfig, seed: UInt64,
                heartbeatInterval: Double, maxMessageBytes: Int, externalVerifier: String, externalVerifierTimeout: Double,
                referenceOnActors: Bool = false, weightFanout: Int = 0, adapters: AdaptedBase? = nil) {
        self.referenceOnActors = referenceOnActors
        self.adapters = adapters
        self.weightFanout = weightFanout
        self.sampling = sampling; self.groupSize = groupSize; self.model = model
        self.reward = reward; self.seed = seed; self.heartbeatInterval = heartbeatInterval; self.maxMessageBytes = maxMessageBytes
        self.externalVerifier = externalVerifier; self.externalVerifierTimeout = externalVerifierTimeout
    }
}
