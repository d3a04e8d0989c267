import Foundation

/// Why a tokenizer could not be built or loaded.
public enum TokenizerError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The alphabet lists this scalar more than once (its id would be ambiguous).
    case duplicateScalar(Unicode.Scalar)
    /// A tokenizer description was missing, malformed, or disagrees with this code's id layout.
    case invalidDescription(String)

    /// The message without the "invalid tokenizer…" lead-in.
    var reason: String {
        switch self {
        case .duplicateScalar(let s):
            let hex = String(s.value, radix: 16, uppercase: true)
            return "alphabet lists U+\(hex) (\"\(s.escaped(asASCII: false))\") more than once"
        case .invalidDescription(let why):
            return why
        }
    }

    public var description: String {
        switch self {
        case .duplicateScalar: return "invalid tokenizer: \(reason)"
        case .invalidDescription: return "invalid tokenizer description: \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
