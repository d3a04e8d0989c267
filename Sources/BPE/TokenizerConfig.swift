import Foundation

/// What this module reads from `tokenizer_config.json`: the special tokens' names and the
/// chat template. Everything else there (the tokenizer class, `model_max_length`, …) is
/// transformers' business.
struct TokenizerConfig {
    var bosToken: String?
    var eosToken: String?
    var padToken: String?
    var unkToken: String?
    /// `chat_template`'s text, or (for a list of named templates) the one named "default".
    var chatTemplate: String?
    /// Why `chat_template` is present but unusable, e.g. named templates without a default.
    var chatTemplateProblem: String?

    static func parse(_ data: Data, path: String) throws -> TokenizerConfig {
        let root = try JSONNode.parseObject(data, path: path)
        var config = TokenizerConfig()
        config.bosToken = try tokenName(root, "bos_token")
        config.eosToken = try tokenName(root, "eos_token")
        config.padToken = try tokenName(root, "pad_token")
        config.unkToken = try tokenName(root, "unk_token")
        if let template = try root.optional("chat_template") {
            if let text = template.value as? String {
                config.chatTemplate = text
            } else {
                // transformers' named templates: [{"name": …, "template": …}, …]
                var names: [String] = []
                for item in try template.array() {
                    let name = try item.required("name").string()
                    names.append(name)
                    if name == "default" { config.chatTemplate = try item.required("template").string() }
                }
                if config.chatTemplate == nil {
                    config.chatTemplateProblem = "named chat templates \(names) with none named \"default\""
                }
            }
        }
        return config
    }

    /// A special token written as a string, as an AddedToken object (`{"content": …}`), or null.
    private static func tokenName(_ root: JSONNode, _ key: String) throws -> String? {
        guard let node = try root.optional(key) else { return nil }
        if let name = node.value as? String { return name }
        guard node.value is [String: Any] else {
            throw BPEError.invalidField(path: node.path, field: node.field, problem: "should be a token string or {\"content\": …}, not \(node.preview)")
        }
        return try node.required("content").string()
    }
}
