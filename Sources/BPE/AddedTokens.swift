/// A token from `tokenizer.json`'s `added_tokens` (`<|im_start|>`, `<|endoftext|>`, …): found
/// in the text before anything else runs, and never split or merged.
struct AddedToken: Sendable, Equatable {
    let id: Int32
    /// The token's text as the file has it.
    let content: String
    /// What is searched for: `content`, or its normalized form when `normalized` is set and
    /// the tokenizer has a normalizer (as `tokenizers` matches it).
    let pattern: [UInt32]
    /// Only matches when neither neighbour is a word character (`\w`).
    let singleWord: Bool
    /// Takes the whitespace before it (`lstrip`) or after it (`rstrip`) into the token.
    let lstrip: Bool
    let rstrip: Bool
    /// Matched in the normalized text (true) or in the raw text (false).
    let normalized: Bool
    /// Skipped by `decode(_:skipSpecial: true)`.
    let special: Bool
}

/// One part of a text split at added tokens.
enum AddedTokenSegment: Equatable {
    /// Ordinary text, for the normalizer, pre-tokenizer and model.
    case text(Range<Int>)
    /// An added token's id.
    case token(Int32)
}

/// Finds added tokens in text the way `tokenizers`' `AddedVocabulary::find_matches` does:
/// leftmost-longest matches, scanning on from the end of each; a `single_word` match with a
/// word character beside it is dropped (the text stays text); `lstrip`/`rstrip` widen a match
/// over adjacent whitespace (not past the previous match).
struct AddedTokenMatcher: Sendable {
    private let tokens: [AddedToken]
    /// Token indices by first scalar, longest pattern first.
    private let byFirstScalar: [UInt32: [Int]]
    /// One bit per BMP scalar that starts some token, to skip the rest without hashing.
    private let firstScalarBits: [UInt64]
    private let hasAstralFirst: Bool

    init(_ tokens: [AddedToken]) {
        // The same text twice: the later entry wins, as in `tokenizers`' map.
        var byPattern: [[UInt32]: Int] = [:]
        for (i, token) in tokens.enumerated() where !token.pattern.isEmpty { byPattern[token.pattern] = i }
        let kept = byPattern.values.sorted().map { tokens[$0] }
        var byFirst: [UInt32: [Int]] = [:]
        var bits = [UInt64](repeating: 0, count: 1024)
        var astral = false
        for (i, token) in kept.enumerated() {
            let first = token.pattern[0]
            byFirst[first, default: []].append(i)
            if first < 0x1_0000 { bits[Int(first >> 6)] |= 1 << UInt64(first & 63) } else { astral = true }
        }
        for key in byFirst.keys { byFirst[key]?.sort { kept[$0].pattern.count > kept[$1].pattern.count } }
        self.tokens = kept
        self.byFirstScalar = byFirst
        self.firstScalarBits = bits
        self.hasAstralFirst = astral
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// Splits `text[range]` into text and added tokens, appending them to `out` in order.
    func split(_ text: TextBuffer, _ range: Range<Int>, into out: inout [AddedTokenSegment]) {
        var textStart = range.lowerBound
        var i = range.lowerBound
        let s = text.scalars
        while i < range.upperBound {
            guard let (token, matchEnd) = longestMatch(s, at: i, end: range.upperBound) else {
                i += 1
                continue
            }
            var start = i
            var stop = matchEnd
            if token.singleWord {
                let wordBefore = start > range.lowerBound && ScalarClass.isWordCharacter(s[start - 1])
                let wordAfter = stop < range.upperBound && ScalarClass.isWordCharacter(s[stop])
                if wordBefore || wordAfter {
                    i = matchEnd
                    continue
                }
            }
            if token.lstrip {
                while start > textStart && text.classes[start - 1] == ScalarClass.whitespace { start -= 1 }
            }
            if token.rstrip {
                while stop < range.upperBound && text.classes[stop] == ScalarClass.whitespace { stop += 1 }
            }
            if textStart < start { out.append(.text(textStart..<start)) }
            out.append(.token(token.id))
            textStart = stop
            i = stop
        }
        if textStart < range.upperBound { out.append(.text(textStart..<range.upperBound)) }
    }

    @inline(__always)
    private func longestMatch(_ s: [UInt32], at i: Int, end: Int) -> (AddedToken, Int)? {
        let first = s[i]
        if first < 0x1_0000 {
            guard firstScalarBits[Int(first >> 6)] & (1 << UInt64(first & 63)) != 0 else { return nil }
        } else if !hasAstralFirst {
            return nil
        }
        guard let candidates = byFirstScalar[first] else { return nil }
        for index in candidates {
            let pattern = tokens[index].pattern
            guard i + pattern.count <= end else { continue }
            var k = 1
            while k < pattern.count && s[i + k] == pattern[k] { k += 1 }
            if k == pattern.count { return (tokens[index], i + k) }
        }
        return nil
    }
}
