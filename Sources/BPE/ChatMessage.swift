/// One message of a conversation, as transformers' `apply_chat_template` takes it
/// (`{"role": …, "content": …}`).
public struct ChatMessage: Sendable, Equatable, Hashable, Codable {
    /// "system", "user", "assistant", or another role the template knows ("tool").
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}
