import Foundation

/// Why a JSONL tasks file could not be loaded.
public enum JSONLTasksError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// Nothing (or a directory) at `path`.
    case fileNotFound(path: String)
    /// The file exists but could not be read as UTF-8 text.
    case unreadable(path: String, reason: String)
    /// Line `line` (1-based) of `source` is not a valid problem object.
    case malformedLine(source: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "tasks file not found: \(path)"
        case .unreadable(let path, let reason):
            return "cannot read tasks file \(path): \(reason)"
        case .malformedLine(let source, let line, let reason):
            return "\(source):\(line): expected a JSON object with \"prompt\" (string) and \"answer\" (string or number): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
