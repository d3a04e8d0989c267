import Foundation

/// Why a tokenizer or its chat template could not be loaded. Every message starts with the
/// file's path and ends with what to do about it.
public enum BPEError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The file (or the directory it should be in) could not be read.
    case unreadable(path: String, reason: String)
    /// The file is not JSON, or not a JSON object.
    case malformedJSON(path: String, reason: String)
    /// A field is missing, has the wrong type, or disagrees with another field.
    case invalidField(path: String, field: String, problem: String)
    /// Valid for Hugging Face, but this module does not implement it; `hint` says what would work.
    case unsupported(path: String, feature: String, hint: String)
    /// The chat template is not one of the ChatML family this module renders; `start` is its beginning.
    case unsupportedChatTemplate(path: String, start: String)
    /// The tokenizer's files carry no chat template at all.
    case noChatTemplate(path: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .unreadable(let path, _), .malformedJSON(let path, _), .invalidField(let path, _, _),
             .unsupported(let path, _, _), .unsupportedChatTemplate(let path, _), .noChatTemplate(let path):
            return path
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot be read (\(reason)); check that the path is right and the file is readable"
        case .malformedJSON(let path, let reason):
            return "\(path): is not valid JSON (\(reason)); the file is damaged or is not a tokenizer file: download or export it again"
        case .invalidField(let path, let field, let problem):
            return "\(path): `\(field)` \(problem); the file is damaged or was not written by Hugging Face tokenizers: export it again"
        case .unsupported(let path, let feature, let hint):
            return "\(path): \(feature) is not supported: \(hint)"
        case .unsupportedChatTemplate(let path, let start):
            return "\(path): the chat template is not one this module can render (it starts \"\(start)\"); "
                + "only the ChatML family is recognised (SmolLM2's, Qwen2's and Qwen2.5's templates, and plain ChatML): "
                + "format the prompt yourself, or use a model with one of those templates"
        case .noChatTemplate(let path):
            return "\(path): has no chat template (no `chat_template` in tokenizer_config.json and no chat_template.jinja); "
                + "use an instruct model's tokenizer, or format the prompt yourself"
        }
    }

    public var errorDescription: String? { description }
}
