@testable import BPE
import Foundation
import Testing

/// Our ids, decodes and chat renders equal Hugging Face's on every fixture text, for every
/// pre-tokenizer style (the expectations come from `tokenizers` and transformers; see
/// scripts/make_tokenizer_fixtures.py).
@Suite("Hugging Face parity")
struct HuggingFaceParityTests {
    /// Fixture directory → its entry in expected.json (the string-merges copy has the same ids).
    static let fixtures: [(String, String)] = [
        ("smollm-style", "smollm-style"),
        ("qwen2-style", "qwen2-style"),
        ("qwen2-style-string-merges", "qwen2-style"),
        ("gpt2-style", "gpt2-style"),
        ("llama3-style", "llama3-style"),
    ]

    @Test("encode equals tokenizers' ids", arguments: fixtures)
    func encode(_ fixture: (String, String)) throws {
        let tokenizer = try Fixtures.tokenizer(fixture.0)
        let expected = try Fixtures.expected(fixture.1)
        #expect(tokenizer.vocabSize == expected.vocabSize)
        try Self.checkEncode(tokenizer, expected, name: fixture.0)
    }

    @Test("pre-tokenizer pieces equal tokenizers'", arguments: fixtures)
    func pieces(_ fixture: (String, String)) throws {
        let tokenizer = try Fixtures.tokenizer(fixture.0)
        let expected = try Fixtures.expected(fixture.1)
        Self.checkPieces(tokenizer, expected, name: fixture.0)
    }

    @Test("decode equals tokenizers' text", arguments: fixtures)
    func decode(_ fixture: (String, String)) throws {
        let tokenizer = try Fixtures.tokenizer(fixture.0)
        let expected = try Fixtures.expected(fixture.1)
        Self.checkDecode(tokenizer, expected, name: fixture.0)
    }

    @Test("chat renders equal apply_chat_template's", arguments: fixtures)
    func chat(_ fixture: (String, String)) throws {
        let tokenizer = try Fixtures.tokenizer(fixture.0)
        let expected = try Fixtures.expected(fixture.1)
        try Self.checkChats(tokenizer, expected, name: fixture.0)
    }

    /// Every text's ids, and (when ids are all that is compared) a readable account of the first difference.
    static func checkEncode(_ tokenizer: BPETokenizer, _ expected: ExpectedTokenizer, name: String) throws {
        var mismatches = 0
        for c in expected.cases {
            let ours = tokenizer.encode(c.text)
            if ours != c.ids {
                mismatches += 1
                let theirTokens = c.ids.map { tokenizer.token(for: $0) ?? "?" }
                let ourTokens = ours.map { tokenizer.token(for: $0) ?? "?" }
                Issue.record("\(name): \(c.text.debugDescription.prefix(120)): ours \(ourTokens.prefix(40)) vs Hugging Face \(theirTokens.prefix(40))")
            }
        }
        #expect(mismatches == 0, "\(name): \(mismatches) of \(expected.cases.count) texts encode differently")
    }

    /// The splits themselves: a small vocabulary's ids can hide a wrong split.
    static func checkPieces(_ tokenizer: BPETokenizer, _ expected: ExpectedTokenizer, name: String) {
        for c in expected.cases {
            let ours = tokenizer.pieces(of: c.text)
            #expect(ours == c.pieces, "\(name): pieces of \(c.text.debugDescription.prefix(120))")
        }
    }

    static func checkDecode(_ tokenizer: BPETokenizer, _ expected: ExpectedTokenizer, name: String) {
        for c in expected.cases {
            #expect(tokenizer.decode(c.ids) == c.decoded, "\(name): decode of \(c.text.debugDescription.prefix(80))")
            #expect(tokenizer.decode(c.ids, skipSpecial: true) == c.decodedSkipSpecial,
                    "\(name): decode skipping special tokens of \(c.text.debugDescription.prefix(80))")
        }
        for d in expected.decodes {
            #expect(tokenizer.decode(d.ids, skipSpecial: d.skipSpecial) == d.text,
                    "\(name): decode of \(d.ids.prefix(20)) (skipSpecial \(d.skipSpecial))")
        }
    }

    static func checkChats(_ tokenizer: BPETokenizer, _ expected: ExpectedTokenizer, name: String) throws {
        guard let chats = expected.chats, !chats.isEmpty else {
            #expect(tokenizer.chatTemplate == nil, "\(name) has no chat template in its files")
            return
        }
        let template = try tokenizer.requireChatTemplate()
        for chat in chats {
            let text = template.render(chat.messages, addGenerationPrompt: chat.addGenerationPrompt)
            #expect(text == chat.text, "\(name): render of \(chat.messages.map(\.role)) (generation prompt \(chat.addGenerationPrompt))")
            #expect(tokenizer.encode(text, addSpecialTokens: false) == chat.ids,
                    "\(name): ids of the render of \(chat.messages.map(\.role))")
        }
    }
}
