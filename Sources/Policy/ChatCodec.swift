import BPE
import Foundation
import Tasks

/// A chat model's prompts: the problem, asked in words (`ChatQuestion`) and followed by the
/// answer format's `instruction`, as the user's message in the model's chat template (its
/// default system prompt, or `system`), tokenized by its byte-level BPE.
public struct ChatCodec: PromptCodec {
    public let tokenizer: BPETokenizer
    public let template: ChatTemplate
    /// Replaces the template's default system prompt when set.
    public let system: String?
    /// Follows every problem's question: how to state the answer (`AnswerFormat.instruction`).
    /// Nil: the prompt is sent as it is (`sample`, `logprobs`).
    public let instruction: String?
    public let stopIds: [Int32]
    /// The tokenizer's own files, copied into every checkpoint unchanged.
    let files: [String: Data]

    /// The files of a folder that make up a chat model's tokenizer.
    public static let fileNames = ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "special_tokens_map.json"]

    public init(tokenizer: BPETokenizer, template: ChatTemplate, system: String? = nil, instruction: String? = nil,
                files: [String: Data] = [:]) {
        self.tokenizer = tokenizer
        self.template = template
        self.system = system
        self.instruction = instruction
        self.files = files
        // The template's end-of-turn marker and the tokenizer's end of sequence, once each.
        var stops: [Int32] = []
        for token in template.stopTokens + [tokenizer.eosToken].compactMap({ $0 }) {
            if let id = tokenizer.id(of: token), !stops.contains(id) { stops.append(id) }
        }
        stopIds = stops
    }

    public func messages(_ prompt: String) -> [ChatMessage] {
        (system.map { [ChatMessage(role: "system", content: $0)] } ?? []) + [ChatMessage(role: "user", content: prompt)]
    }

    /// The rendered prompt, as the model sees it.
    public func render(_ prompt: String) -> String { template.render(messages(prompt), addGenerationPrompt: true) }

    /// A problem's prompt as the model sees it: asked in words, with the instruction after it.
    public func promptIds(_ prompt: String) -> [Int32] {
        guard let instruction else { return tokenizer.encode(render(prompt)) }
        return tokenizer.encode(render(ChatQuestion.phrase(prompt) + " " + instruction))
    }
    public func text(_ ids: [Int32]) -> String { tokenizer.decode(ids.filter { !stopIds.contains($0) }, skipSpecial: true) }
    public func scoredIds(_ text: String) -> [Int32] { tokenizer.encode(text) }
    public func checkpointFiles(contextLength: Int) -> [String: Data] { files }

    public var configIds: [String: Int] {
        var ids: [String: Int] = [:]
        if let b = tokenizer.bosId { ids["bos_token_id"] = Int(b) }
        if let e = tokenizer.eosId { ids["eos_token_id"] = Int(e) }
        if let p = tokenizer.padId { ids["pad_token_id"] = Int(p) }
        return ids
    }
}
