/// Reward = accuracyWeight · [answer equals the truth] + formatWeight · [well-formed template].
public struct RewardConfig: Codable, Sendable, Equatable {
    public var accuracyWeight: Float = 1
    public var formatWeight: Float = 0.1
    public init(accuracyWeight: Float = 1, formatWeight: Float = 0.1) {
        self.accuracyWeight = accuracyWeight
        self.formatWeight = formatWeight
    }
}

/// The score of one completion, with its parts so they can be logged separately.
public struct Score: Codable, Sendable, Equatable {
    public var reward: Float
    public var correct: Bool
    public var wellFormed: Bool
    /// The text inside `<answer>…</answer>`, if any.
    public var extracted: String?
    /// Why the score is zero when something went wrong (external verifiers).
    public var error: String?

    public init(reward: Float, correct: Bool, wellFormed: Bool, extracted: String?, error: String? = nil) {
        self.reward = reward
        self.correct = correct
        self.wellFormed = wellFormed
        self.extracted = extracted
        self.error = error
    }
}
