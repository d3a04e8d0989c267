import Foundation

/// The built-in verifier, as in DeepSeek-R1: an accuracy reward for the right
/// number inside `<answer>…</answer>` and a format reward for the template
/// `<think>…</think><answer>…</answer>`. Total on any text: never throws or traps.
public struct ArithmeticVerifier: Sendable {
    public var config: RewardConfig

    public init(config: RewardConfig = RewardConfig()) { self.config = config }

    /// Scores `completion` against `answer`; `prompt` grounds the process reward's steps
    /// (`ProcessCheck`), which counts only with `config.processWeight` > 0.
    public func score(completion: String, answer: String, prompt: String) -> Score {
        let extracted = Self.extractAnswer(completion)
        let correct: Bool
        if let e = extracted, let got = NumberValue(e), let want = NumberValue(answer) {
            correct = got == want
        } else {
            correct = extracted.map { $0.trimmingCharacters(in: " ") == answer.trimmingCharacters(in: " ") } ?? false
        }
        let formed = Self.isWellFormed(completion)
        var reward = (correct ? config.accuracyWeight : 0) + (formed ? config.formatWeight : 0)
        if config.processWeight > 0 { reward += config.processWeight * ProcessCheck.fractionCorrect(completion, prompt: prompt) }
        return Score(reward: reward, correct: correct, wellFormed: formed, extracted: extracted)
    }

    /// Text between the last `<answer>` and the `</answer>` after it.
    public static func extractAnswer(_ text: String) -> String? {
        guard let open = text.range(of: "<answer>", options: .backwards),
              let close = text.range(of: "</answer>", range: open.upperBound..<text.endIndex) else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }

    /// Exactly one `<think>…</think>` followed by one `<answer>…</answer>`, nothing else around.
    public static func isWellFormed(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: " \n")
        guard t.hasPrefix("<think>"), t.hasSuffix("</answer>") else { return false }
        let tags = ["<think>", "</think>", "<answer>", "</answer>"]
        var counts: [Int] = []
        for tag in tags { counts.append(t.components(separatedBy: tag).count - 1) }
        guard counts == [1, 1, 1, 1] else { return false }
        let positions = tags.map { t.range(of: $0)!.lowerBound }
        return positions == positions.sorted()
    }
}
