import BPE
import Foundation
import Testing

@Suite("Tokenizer API")
struct TokenizerAPITests {
    @Test func specialTokensFromTheConfig() throws {
        let smol = try Fixtures.tokenizer("smollm-style")
        #expect(smol.bosToken == "<|im_start|>")
        #expect(smol.eosToken == "<|im_end|>")
        #expect(smol.padToken == "<|im_end|>")
        #expect(smol.eosId == 2)
        #expect(smol.id(of: "<|endoftext|>") == 0)
        #expect(smol.token(for: 1) == "<|im_start|>")
        #expect(smol.isSpecial(2))
        #expect(!smol.isSpecial(100))
        #expect(smol.token(for: -1) == nil)
        #expect(smol.token(for: Int32(smol.vocabSize)) == nil)

        // AddedToken objects ({"content": …}) in tokenizer_config.json.
        let gpt2 = try Fixtures.tokenizer("gpt2-style")
        #expect(gpt2.bosToken == "<|endoftext|>")
        #expect(gpt2.eosToken == "<|endoftext|>")
        #expect(gpt2.padToken == nil)

        let qwen = try Fixtures.tokenizer("qwen2-style")
        #expect(qwen.bosToken == nil)
        #expect(qwen.bosId == nil)
        #expect(qwen.eosId == qwen.id(of: "<|im_end|>"))
        #expect(qwen.vocabSize == 703)  // the specials come after the 700 model tokens
    }

    @Test func byteLevelSpellings() throws {
        let smol = try Fixtures.tokenizer("smollm-style")
        let space = try #require(smol.id(of: "Ġ"))
        #expect(smol.encode(" ") == [space])
        #expect(smol.decode([space]) == " ")
        #expect(smol.id(of: " ") == nil)  // the vocabulary spells a space Ġ
    }

    @Test func postProcessorBOS() throws {
        let llama = try Fixtures.tokenizer("llama3-style")
        let bos = try #require(llama.id(of: "<|begin_of_text|>"))
        #expect(llama.encode("") == [bos])
        #expect(llama.encode("", addSpecialTokens: false) == [])
        #expect(llama.encode("hi").first == bos)
        #expect(Array(llama.encode("hi").dropFirst()) == llama.encode("hi", addSpecialTokens: false))
    }

    @Test func emptyAndSpecialOnly() throws {
        let smol = try Fixtures.tokenizer("smollm-style")
        #expect(smol.encode("") == [])
        #expect(smol.decode([]) == "")
        #expect(smol.encode("<|im_start|><|im_end|>") == [1, 2])
        #expect(smol.decode([1, 2], skipSpecial: true) == "")
        // Non-special added tokens survive skipSpecial.
        let gpt2 = try Fixtures.tokenizer("gpt2-style")
        let think = try #require(gpt2.id(of: "<think>"))
        #expect(!gpt2.isSpecial(think))
        #expect(gpt2.decode([think], skipSpecial: true) == "<think>")
    }

    /// Every text round-trips through encode and decode (the tokenizers have no normalizer
    /// or only NFC, and every byte has a token).
    @Test func roundTrip() throws {
        let smol = try Fixtures.tokenizer("smollm-style")
        let texts = ["", "a", "Hello, world!", "👨‍👩‍👧‍👦 中文 e\u{301}", "\u{0}\u{FFFD}\u{10FFFF}", String(repeating: "ab ", count: 1000)]
        for text in texts {
            #expect(smol.decode(smol.encode(text)) == text)
        }
    }

    /// Copies share the word cache; encoding from many threads at once gives the same ids.
    @Test func concurrentEncoding() throws {
        let tokenizer = try Fixtures.tokenizer("qwen2-style")
        let texts = (0..<64).map { "Sentence number \($0): the quick brown fox, \($0 * 37) times. Ünïcödé \($0 % 7)" }
        let expected = texts.map { tokenizer.encode($0) }
        let results = Results(count: texts.count)
        DispatchQueue.concurrentPerform(iterations: texts.count * 4) { i in
            let copy = tokenizer
            results.set(i % texts.count, copy.encode(texts[i % texts.count]))
        }
        for i in texts.indices { #expect(results.get(i) == expected[i]) }
    }
}

/// Thread-safe slots for `concurrentEncoding`'s results.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [[Int32]]

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func set(_ i: Int, _ ids: [Int32]) {
        lock.lock()
        defer { lock.unlock() }
        if slots[i].isEmpty || slots[i] == ids { slots[i] = ids } else { slots[i] = [-1] }
    }

    func get(_ i: Int) -> [Int32] {
        lock.lock()
        defer { lock.unlock() }
        return slots[i]
    }
}
