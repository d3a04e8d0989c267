import Foundation

/// Alphabets built from data: a task file's English questions become one id per
/// character instead of UTF-8 byte fallbacks the model never trained on.
extension Tokenizer {
    /// The standard alphabet (so the built-in task's ids stay put), then every other scalar
    /// of `texts` in code-point order. The four tags are matched before the alphabet, so
    /// their characters only join it when they appear outside a tag.
    public static func alphabet<S: Sequence>(covering texts: S) -> [Unicode.Scalar] where S.Element == String {
        var known = Set(standardAlphabet.map(\.value))
        var extra: [Unicode.Scalar] = []
        for text in texts {
            for scalar in Tokenizer.withoutTags(text).unicodeScalars where known.insert(scalar.value).inserted {
                extra.append(scalar)
            }
        }
        return standardAlphabet + extra.sorted { $0.value < $1.value }
    }

    /// The first scalar of `text` (outside the tags) that has no id of its own, or nil.
    public func firstUnmapped(in text: String) -> Unicode.Scalar? {
        Tokenizer.withoutTags(text).unicodeScalars.first { !hasOwnId($0) }
    }

    private static func withoutTags(_ text: String) -> String {
        guard text.contains("<") else { return text }
        return tags.reduce(text) { $0.replacingOccurrences(of: $1, with: "") }
    }
}
