/// One sampled completion: the same record from the sampler through the wire to the
/// learner (the wire carries it as is, so no layer converts it into a twin of itself).
public struct Completion: Codable, Sendable, Equatable {
    /// Generated token ids (the stop token included when one was hit).
    public var tokens: [Int32]
    /// Behaviour log-probability of each generated token.
    public var logprobs: [Float]
    /// True when a stop token ended it; false when it ran out of length.
    public var stopped: Bool
    /// Log-probability of each generated token under the run's frozen reference (the KL
    /// term's), when the actor that sampled it computed them; nil: the learner computes them.
    public var referenceLogprobs: [Float]?

    public init(tokens: [Int32], logprobs: [Float], stopped: Bool, referenceLogprobs: [Float]? = nil) {
        self.tokens = tokens
        self.logprobs = logprobs
        self.stopped = stopped
        self.referenceLogprobs = referenceLogprobs
    }
}
