/// A model's chat template, rendered without a Jinja engine: the ChatML family is recognised
/// by its text (whatever its layout; see `JinjaLayout`) and rendered exactly as transformers'
/// `apply_chat_template` renders it, with the default system prompt the template carries.
///
/// Recognised: SmolLM2-Instruct's (and Qwen1.5/Qwen2-Instruct's, which differ only in the
/// prompt), Qwen2.5-Instruct's (rendered as without `tools`; `tool` messages are wrapped in
/// `<tool_response>` as it does, other unknown roles are dropped as it drops them), and plain
/// ChatML without a default system message.
public struct ChatTemplate: Sendable, Equatable {
    /// How messages become text.
    public enum Style: Sendable, Equatable {
        /// `<|im_start|>{role}\n{content}<|im_end|>\n` for every message, after a default system
        /// message when there is a default prompt and the first message is not `system`.
        case chatML
        /// Qwen2.5's: a system message always first (the first message if it is `system`,
        /// else the default); user, assistant and later system messages in ChatML; runs of
        /// `tool` messages as one user message of `<tool_response>` blocks; other roles dropped.
        case qwen25
    }

    public let style: Style
    /// The system prompt the template inserts when the conversation does not start with one.
    public let defaultSystemPrompt: String?
    /// The template's text as the file has it.
    public let source: String

    /// The text that ends an assistant turn: generation stops at it.
    public var stopTokens: [String] { ["<|im_end|>"] }

    /// Recognises `source` (read from `path`, which errors name).
    public init(source: String, path: String) throws {
        guard let canonical = JinjaLayout.canonical(source) else {
            throw BPEError.unsupportedChatTemplate(path: path, start: Self.start(of: source))
        }
        let candidates: [(String, Style)] = [
            (KnownChatTemplates.chatMLWithDefaultSystem, .chatML),
            (KnownChatTemplates.chatML, .chatML),
            (KnownChatTemplates.qwen25, .qwen25),
        ]
        for (pattern, style) in candidates {
            if let prompts = Self.match(canonical, pattern: pattern) {
                self.style = style
                // Qwen2.5's second prompt is the one its no-tools branch renders.
                self.defaultSystemPrompt = prompts.last
                self.source = source
                return
            }
        }
        throw BPEError.unsupportedChatTemplate(path: path, start: Self.start(of: source))
    }

    /// The conversation as the model reads it; with `addGenerationPrompt`, followed by the
    /// opening of the assistant's turn (`<|im_start|>assistant\n`).
    ///
    /// An empty conversation renders as only the default system message (Qwen2.5) or nothing
    /// (ChatML); transformers fails on Qwen2.5's template there instead.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = ""
        func turn(_ role: String, _ content: String) { out += "<|im_start|>" + role + "\n" + content + "<|im_end|>\n" }
        switch style {
        case .chatML:
            if let system = defaultSystemPrompt, let first = messages.first, first.role != "system" {
                turn("system", system)
            }
            for message in messages { turn(message.role, message.content) }
        case .qwen25:
            if let first = messages.first, first.role == "system" {
                turn("system", first.content)
            } else {
                turn("system", defaultSystemPrompt ?? "")
            }
            for (i, message) in messages.enumerated() {
                switch message.role {
                case "user", "assistant":
                    turn(message.role, message.content)
                case "system" where i > 0:
                    turn(message.role, message.content)
                case "tool":
                    if i == 0 || messages[i - 1].role != "tool" { out += "<|im_start|>user" }
                    out += "\n<tool_response>\n" + message.content + "\n</tool_response>"
                    if i == messages.count - 1 || messages[i + 1].role != "tool" { out += "<|im_end|>\n" }
                default:
                    break
                }
            }
        }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }

    /// The texts standing for `@@SYSTEM@@` when `canonical` is `pattern` with text in their place.
    /// Compared scalar by scalar: String comparison would merge a prompt's leading combining
    /// mark into the quote before it.
    private static func match(_ canonical: String, pattern: String) -> [String]? {
        let marker: Unicode.Scalar = "\u{E000}"
        let withMarker = pattern.split(separator: KnownChatTemplates.systemMarker, omittingEmptySubsequences: false)
            .joined(separator: String(marker))
        guard let canonicalPattern = JinjaLayout.canonical(withMarker) else { return nil }
        let pieces = Array(canonicalPattern.unicodeScalars).split(separator: marker, omittingEmptySubsequences: false).map(Array.init)
        let text = Array(canonical.unicodeScalars)
        guard let first = pieces.first, let last = pieces.last, text.starts(with: first) else { return nil }
        if pieces.count == 1 { return text.count == first.count ? [] : nil }
        var position = first.count
        var captures: [ArraySlice<Unicode.Scalar>] = []
        for piece in pieces.dropFirst().dropLast() {
            guard let found = firstIndex(of: piece, in: text, from: position) else { return nil }
            captures.append(text[position..<found])
            position = found + piece.count
        }
        guard text.count - last.count >= position, text[(text.count - last.count)...].elementsEqual(last) else { return nil }
        captures.append(text[position..<(text.count - last.count)])
        // Each capture must be the inside of one string literal, or the split was wrong.
        var prompts: [String] = []
        for capture in captures {
            guard let prompt = JinjaLayout.unquoted(String(String.UnicodeScalarView(capture))[...]) else { return nil }
            prompts.append(prompt)
        }
        return prompts
    }

    private static func firstIndex(of piece: [Unicode.Scalar], in text: [Unicode.Scalar], from start: Int) -> Int? {
        guard !piece.isEmpty else { return start }
        var i = start
        while i + piece.count <= text.count {
            if text[i] == piece[0] && text[i..<(i + piece.count)].elementsEqual(piece) { return i }
            i += 1
        }
        return nil
    }

    /// The template's first 80 characters, newlines shown as `\n`, for error messages.
    private static func start(of source: String) -> String {
        let head = source.prefix(80)
        let escaped = head.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n")
        return head.count < source.count ? escaped + "…" : escaped
    }
}
