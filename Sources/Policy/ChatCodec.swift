import BPE
import Tasks

/// A chat model's prompts: the problem as the user's message in the model's chat template
/// (its default system prompt, or `system`), tokenized by its byte-level BPE.
public struct ChatCodec: PromptCodec {
    public let tokenizer: BPETokenizer
    public let template: ChatTemplate
    /// Replaces the template's default system prompt when set.
    public let system: String?
    public let stopIds: [Int32]

    public init(tokenizer: BPETokenizer, template: ChatTemplate, system: String? = nil) {
        self.tokenizer = tokenizer
        self.template = template
        self.system = system
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

    public func promptIds(_ prompt: String) -> [Int32] { tokenizer.encode(render(prompt)) }
    public func text(_ ids: [Int32]) -> String { tokenizer.decode(ids.filter { !stopIds.contains($0) }, skipSpecial: true) }
    public func scoredIds(_ text: String) -> [Int32] { tokenizer.encode(text) }
}
