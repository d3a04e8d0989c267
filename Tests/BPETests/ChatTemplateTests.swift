import BPE
import Foundation
import Testing

/// Templates are recognised by what they output, whatever their layout; others are errors
/// naming the file and quoting the template's start.
@Suite("Chat templates")
struct ChatTemplateTests {
    /// SmolLM2-135M-Instruct's, as its GGUF's `tokenizer.chat_template` holds it (the `\n`
    /// inside the Jinja strings are real newlines there).
    static let smolLM2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        + "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
        + "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
        + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

    static let path = "/models/m/tokenizer_config.json"

    static func qwen25() throws -> String {
        let data = try Data(contentsOf: Fixtures.directory.appendingPathComponent("qwen2-style/tokenizer_config.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return try #require(object?["chat_template"] as? String)
    }

    @Test func smolLM2sTemplateWithRealOrEscapedNewlines() throws {
        for source in [Self.smolLM2, Self.smolLM2.replacingOccurrences(of: "\n", with: "\\n")] {
            let template = try ChatTemplate(source: source, path: Self.path)
            #expect(template.style == .chatML)
            #expect(template.defaultSystemPrompt == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
            #expect(template.stopTokens == ["<|im_end|>"])
        }
    }

    @Test func qwen2sTemplateIsSmolLM2sWithAnotherPrompt() throws {
        let source = Self.smolLM2.replacingOccurrences(of: "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
                                                       with: "You are a helpful assistant.")
        let template = try ChatTemplate(source: source, path: Self.path)
        #expect(template.defaultSystemPrompt == "You are a helpful assistant.")
        #expect(template.render([.user("Hi")], addGenerationPrompt: true)
                == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func qwen25sTemplate() throws {
        let template = try ChatTemplate(source: try Self.qwen25(), path: Self.path)
        #expect(template.style == .qwen25)
        #expect(template.defaultSystemPrompt == "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
        #expect(template.render([.user("2+2?")], addGenerationPrompt: true)
                == "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n")
    }

    /// The same template laid out differently: one line, other quotes and spacing, a comment.
    @Test func layoutDoesNotMatter() throws {
        let oneLine = try Self.qwen25()
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined()
            .replacingOccurrences(of: "{{- '<|im_start|>assistant\\n' }}", with: "{{-\"<|im_start|>assistant\\n\"}}")
            + "{# the end #}\n"
        let template = try ChatTemplate(source: oneLine, path: Self.path)
        #expect(template.style == .qwen25)
        #expect(template.defaultSystemPrompt == "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
    }

    /// Qwen2.5-Math's template is Qwen2.5's with another prompt, with a backslash in it.
    @Test func anotherPromptWithEscapes() throws {
        let source = try Self.qwen25().replacingOccurrences(of: "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
                                                            with: "Please reason step by step, and put your final answer within \\\\boxed{}.")
        let template = try ChatTemplate(source: source, path: Self.path)
        #expect(template.defaultSystemPrompt == "Please reason step by step, and put your final answer within \\boxed{}.")
    }

    @Test func plainChatMLHasNoDefaultPrompt() throws {
        let source = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
        let template = try ChatTemplate(source: source, path: Self.path)
        #expect(template.defaultSystemPrompt == nil)
        #expect(template.render([.user("a")], addGenerationPrompt: false) == "<|im_start|>user\na<|im_end|>\n")
    }

    @Test func unknownTemplateIsAnErrorQuotingItsStart() {
        let llama3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' "
            + "+ message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{{ content }}{% endfor %}"
        LoadErrorTests.expectError(["chat template is not one this module can render", "{% set loop_messages = messages %}", "ChatML"],
                                   path: Self.path) {
            _ = try ChatTemplate(source: llama3, path: Self.path)
        }
    }

    /// Changing what the template outputs, even by one character, makes it unrecognised.
    @Test func aChangedOutputIsNotRecognised() throws {
        let changed = [
            Self.smolLM2.replacingOccurrences(of: "'<|im_start|>assistant\n'", with: "'<|im_start|>assistant\n\n'"),
            Self.smolLM2.replacingOccurrences(of: "{{'<|im_start|>' +", with: " {{'<|im_start|>' +"),
            try Self.qwen25().replacingOccurrences(of: "(message.role == \"assistant\" and not message.tool_calls)",
                                                   with: "(message.role == \"assistant\")"),
            "{% for message in messages %}{{ message['content'] }}{% endfor %}",
            "{{ 'unterminated }}",
        ]
        for source in changed {
            LoadErrorTests.expectError(["chat template is not one this module can render"], path: Self.path) {
                _ = try ChatTemplate(source: source, path: Self.path)
            }
        }
    }

    @Test func tokenizerWithoutTemplate() throws {
        let tokenizer = try Fixtures.tokenizer("gpt2-style")
        #expect(tokenizer.chatTemplate == nil)
        LoadErrorTests.expectError(["has no chat template"], path: Fixtures.path("gpt2-style/tokenizer_config.json")) {
            _ = try tokenizer.requireChatTemplate()
        }
    }

    /// An unrecognised template does not stop the tokenizer from loading; asking for it names the file.
    @Test func tokenizerWithAnUnknownTemplate() throws {
        let tokenizerJSON = try Data(contentsOf: Fixtures.directory.appendingPathComponent("smollm-style/tokenizer.json"))
        let config = try JSONSerialization.data(withJSONObject: ["chat_template": "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}"])
        let path = "/models/custom/tokenizer.json"
        let tokenizer = try BPETokenizer(tokenizerJSON: tokenizerJSON, configJSON: config, path: path)
        #expect(tokenizer.chatTemplate == nil)
        LoadErrorTests.expectError(["{{ bos_token }}{% for m in messages %}"], path: "/models/custom/tokenizer_config.json") {
            _ = try tokenizer.requireChatTemplate()
        }
    }

    /// chat_template.jinja beside the config wins, as in transformers (llama3-style has only that file).
    @Test func jinjaFileBesideTheConfig() throws {
        let tokenizer = try Fixtures.tokenizer("llama3-style")
        let template = try tokenizer.requireChatTemplate()
        #expect(template.style == .chatML)
        #expect(template.defaultSystemPrompt == nil)
    }

    @Test func qwen25RendersToolMessagesAndDropsUnknownRoles() throws {
        let template = try ChatTemplate(source: try Self.qwen25(), path: Self.path)
        let text = template.render([.system("S"), .user("u"), ChatMessage(role: "tool", content: "1"), ChatMessage(role: "tool", content: "2"),
                                    ChatMessage(role: "developer", content: "dropped"), .assistant("a")], addGenerationPrompt: false)
        #expect(text == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nu<|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n1\n</tool_response>\n<tool_response>\n2\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\na<|im_end|>\n")
    }
}
