import Foundation

/// Where a completion states its final answer, and what a well-formed completion looks like:
/// the R1 tags our own model is trained in, or the plain conventions chat models follow.
public enum AnswerFormat: String, Codable, Sendable, CaseIterable {
    /// `<think>…</think><answer>N</answer>` (DeepSeek-R1's template; our GPT-2's).
    case tags
    /// A last line `Answer: N` (the answer is also read from "the answer is N", which chat
    /// models write more often than the line asked for; only the line earns the format reward).
    case answerLine = "answer_line"
    /// `\boxed{N}`, the last one.
    case boxed

    /// What a chat model is told after the question, so that it answers in this format.
    public var instruction: String {
        switch self {
        case .tags: return "Think step by step inside <think></think>, then give the final answer inside <answer></answer>."
        case .answerLine: return "Think step by step, then give the final answer as: Answer: <number>"
        case .boxed: return "Think step by step, then put the final answer in \\boxed{}."
        }
    }

    /// The stated answer, or nil when the completion states none in this format.
    public func extract(_ text: String) -> String? {
        switch self {
        case .tags:
            guard let open = text.range(of: "<answer>", options: .backwards),
                  let close = text.range(of: "</answer>", range: open.upperBound..<text.endIndex) else { return nil }
            return String(text[open.upperBound..<close.lowerBound])
        case .answerLine:
            // After the last "answer:" or "answer is" (any case), to the end of its line; emphasis dropped.
            let marks = ["answer:", "answer is"].compactMap { text.range(of: $0, options: [.backwards, .caseInsensitive]) }
            guard let mark = marks.max(by: { $0.lowerBound < $1.lowerBound }) else { return nil }
            let rest = text[mark.upperBound...].prefix { $0 != "\n" }
            let value = rest.trimmingCharacters(in: CharacterSet(charactersIn: " *_`$.:")).trimmingCharacters(in: .whitespaces)
            return value.isEmpty ? nil : value
        case .boxed:
            guard let open = text.range(of: "\\boxed{", options: .backwards) else { return nil }
            var depth = 1, end = open.upperBound
            while end < text.endIndex {
                if text[end] == "{" { depth += 1 } else if text[end] == "}" { depth -= 1; if depth == 0 { break } }
                end = text.index(after: end)
            }
            return end < text.endIndex ? String(text[open.upperBound..<end]) : nil
        }
    }

    /// The completion has the shape this format asks for (the format reward).
    public func isWellFormed(_ text: String) -> Bool {
        switch self {
        case .tags: return Self.hasR1Template(text)
        case .answerLine:
            // One answer line, and it is the last line.
            let lines = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n", omittingEmptySubsequences: true)
            let marked = lines.filter { $0.range(of: "answer:", options: .caseInsensitive) != nil }
            return marked.count == 1 && lines.last.map { $0.range(of: "answer:", options: .caseInsensitive) != nil } == true
                && extract(text) != nil
        case .boxed:
            return text.components(separatedBy: "\\boxed{").count == 2 && extract(text) != nil
        }
    }

    /// Exactly one `<think>…</think>` followed by one `<answer>…</answer>`, nothing else around.
    static func hasR1Template(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: " \n")
        guard t.hasPrefix("<think>"), t.hasSuffix("</answer>") else { return false }
        let tags = ["<think>", "</think>", "<answer>", "</answer>"]
        var counts: [Int] = []
        for tag in tags { counts.append(t.components(separatedBy: tag).count - 1) }
        guard counts == [1, 1, 1, 1] else { return false }
        let positions = tags.compactMap { t.range(of: $0)?.lowerBound }
        return positions.count == 4 && positions == positions.sorted()
    }
}
