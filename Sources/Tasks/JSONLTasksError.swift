import Foundation

/// Why a JSONL tasks file could not be loaded.
public enum JSONLTasksError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// Nothing (or a directory) at `path`.
    case fileNotFound(path: String)
    /// The file exists but could not be read as UTF-8 text.
    case unreadable(path: String, reason: String)
    /// Line `line` (1-based) of `source` is not a valid problem object.
    case malformedLine(source: String, line: Int, reason: String)
    /// Line `line` of `source` has a character the tokenizer has no id for: the model
    /// would see it only as UTF-8 byte ids it never trained on.
    case unmappableCharacter(source: String, line: Int, character: Unicode.Scalar)
    /// The file has no problems (or none left once the held-out prompts are taken out).
    case empty(source: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "tasks file not found: \(path)"
        case .unreadable(let path, let reason):
            return "cannot read tasks file \(path): \(reason)"
        case .malformedLine(let source, let line, let reason):
            return "\(source):\(line): expected a JSON object with \"prompt\" (string) and \"answer\" (string or number): \(reason)"
        case .unmappableCharacter(let source, let line, let c):
            let hex = String(c.value, radix: 16, uppercase: true)
            return "\(source):\(line): \"\(c.escaped(asASCII: false))\" (U+\(hex)) is not in the checkpoint's tokenizer alphabet: "
                + "the model would see it only as UTF-8 byte ids it never trained on. Pretrain on this file (`nanoreasoner pretrain --tasks`), "
                + "which builds the alphabet from the data, or remove the character"
        case .empty(let source, let reason):
            return "\(source): no problems to use: \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
