import Foundation

/// How a policy reads a task's text: a problem's prompt as the ids it is sampled from, the
/// ids of a completion back as text, and the ids that end a completion. Our character-level
/// tokenizer (BOS + the prompt) is one; a chat model's template and BPE tokenizer another.
public protocol PromptCodec: Sendable {
    /// The files a checkpoint carries so that it reads back with this codec (and loads in
    /// Hugging Face's AutoTokenizer).
    func checkpointFiles(contextLength: Int) -> [String: Data]
    /// The token ids config.json names (bos_token_id, eos_token_id, pad_token_id).
    var configIds: [String: Int] { get }
    /// The ids a completion of `prompt` is sampled after.
    func promptIds(_ prompt: String) -> [Int32]
    /// A completion's text (what verifiers score).
    func text(_ ids: [Int32]) -> String
    /// Ids that end a completion.
    var stopIds: [Int32] { get }
    /// Plain text's ids, as `logprobs` scores them (no template applied; BOS first where the
    /// model was trained with one).
    func scoredIds(_ text: String) -> [Int32]
}

extension Tokenizer: PromptCodec {
    public func promptIds(_ prompt: String) -> [Int32] { [Tokenizer.bos] + encode(prompt) }
    public func text(_ ids: [Int32]) -> String { decode(ids.filter { $0 != Tokenizer.eos }) }
    public var stopIds: [Int32] { [Tokenizer.eos, Tokenizer.answerClose] }
    public func scoredIds(_ text: String) -> [Int32] { [Tokenizer.bos] + encode(text) }

    public func checkpointFiles(contextLength: Int) -> [String: Data] {
        huggingFaceFiles(contextLength: contextLength).merging([Tokenizer.checkpointFile: descriptionJSON()]) { _, ours in ours }
    }

    public var configIds: [String: Int] { Tokenizer.huggingFaceConfigIds.compactMapValues { $0 as? Int } }
}
