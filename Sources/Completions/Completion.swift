/// One sampled completion: the same record from the sampler through the wire to the
/// learner (the wire carries it as is, so no layer converts it into a twin of itself).
public struct Completion: Codable, Sendable, Equatable {
    /// Generated token ids (the stop token included when one was hit).
    public var tokens: [Int32]
    /// Behaviour log-probability of each generated token.
    public var logprobs: [Float]
    /// True when a stop token ended it; false when it ran out of length.
    public var stopped: Bool

    public init(tokens: [Int32], logprobs: [Float], stopped: Bool) {
        self.tokens = tokens
        self.logprobs = logprobs
        self.stopped = stopped
    }
}
