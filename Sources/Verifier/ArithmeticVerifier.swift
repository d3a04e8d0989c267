import Foundation

/// The built-in verifier, as in DeepSeek-R1: an accuracy reward for the right number where
/// the answer format puts it (`<answer>…</answer>` by default, or a final `Answer: N` or
/// `\boxed{N}` for chat models) and a format reward for the format's shape. Total on any
/// text: never throws or traps.
public struct ArithmeticVerifier: Sendable {
    public var config: RewardConfig

    public init(config: RewardConfig = RewardConfig()) { self.config = config }

    /// Scores `completion` against `answer`; `prompt` grounds the process reward's steps
    /// (`ProcessCheck`), which counts only with `config.processWeight` > 0.
    public func score(completion: String, answer: String, prompt: String) -> Score {
        let extracted = config.answerFormat.extract(completion)
        let correct: Bool
        if let e = extracted, let got = NumberValue(e), let want = NumberValue(answer) {
            correct = got == want
        } else {
            correct = extracted.map { $0.trimmingCharacters(in: " ") == answer.trimmingCharacters(in: " ") } ?? false
        }
        let formed = config.answerFormat.isWellFormed(completion)
        var reward = (correct ? config.accuracyWeight : 0) + (formed ? config.formatWeight : 0)
        if config.processWeight > 0 { reward += config.processWeight * ProcessCheck.fractionCorrect(completion, prompt: prompt) }
        return Score(reward: reward, correct: correct, wellFormed: formed, extracted: extracted)
    }

    /// Text between the last `<answer>` and the `</answer>` after it.
    public static func extractAnswer(_ text: String) -> String? { AnswerFormat.tags.extract(text) }

    /// Exactly one `<think>…</think>` followed by one `<answer>…</answer>`, nothing else around.
    public static func isWellFormed(_ text: String) -> Bool { AnswerFormat.tags.isWellFormed(text) }
}
