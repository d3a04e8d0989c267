/// Reward = accuracyWeight · [answer equals the truth] + formatWeight · [well-formed template]
///        + processWeight · (fraction of the worked trace's checkable steps that are right).
public struct RewardConfig: Codable, Sendable, Equatable {
    public var accuracyWeight: Float = 1
    public var formatWeight: Float = 0.1
    /// Dense process reward (`ProcessCheck`); 0: outcome-only.
    public var processWeight: Float = 0
    /// Where the answer is read from and what shape earns the format reward.
    public var answerFormat: AnswerFormat = .tags
    public init(accuracyWeight: Float = 1, formatWeight: Float = 0.1, processWeight: Float = 0, answerFormat: AnswerFormat = .tags) {
        self.accuracyWeight = accuracyWeight
        self.formatWeight = formatWeight
        self.processWeight = processWeight
        self.answerFormat = answerFormat
    }

    private enum CodingKeys: String, CodingKey { case accuracyWeight, formatWeight, processWeight, answerFormat }

    /// A missing `processWeight` (settings from an older learner) is outcome-only.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accuracyWeight = try c.decode(Float.self, forKey: .accuracyWeight)
        formatWeight = try c.decode(Float.self, forKey: .formatWeight)
        processWeight = try c.decodeIfPresent(Float.self, forKey: .processWeight) ?? 0
        answerFormat = try c.decodeIfPresent(AnswerFormat.self, forKey: .answerFormat) ?? .tags
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
