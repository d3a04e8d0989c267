import BPE
import Foundation
import Testing

/// The real SmolLM2-135M-Instruct tokenizer (49,152 tokens) against Hugging Face's ids for the
/// same texts. The tokenizer (about 3.5 MB) is not committed: the test reads the one the
/// project's GGUF import writes into runs/smollm2-135m-instruct/ (or the directory in
/// NANOREASONER_SMOLLM2_TOKENIZER), and is skipped when there is none.
@Suite("Real SmolLM2 tokenizer")
struct RealSmolLM2Tests {
    static let directory: String? = {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["NANOREASONER_SMOLLM2_TOKENIZER"],
                                     Fixtures.repositoryRoot.appendingPathComponent("runs/smollm2-135m-instruct").path]
        return candidates.compactMap { $0 }.first {
            FileManager.default.fileExists(atPath: URL(fileURLWithPath: $0).appendingPathComponent("tokenizer.json").path)
        }
    }()

    static let skipReason: Comment = """
        no runs/smollm2-135m-instruct/tokenizer.json (the project's import of SmolLM2-135M-Instruct writes it; \
        or set NANOREASONER_SMOLLM2_TOKENIZER=DIR): the 3.5 MB tokenizer is not committed, so the comparison \
        with Hugging Face's ids on the real vocabulary is skipped
        """

    /// The expectations made with the pre-tokenizer the file found has (as transformers
    /// converts the GGUF, or as the Hub's tokenizer.json has it).
    static func variant(for directory: String) throws -> ExpectedTokenizer {
        let file: RealTokenizerFile = try Fixtures.load("smollm2-135m-instruct.expected.json")
        let tokenizerURL = URL(fileURLWithPath: directory).appendingPathComponent("tokenizer.json")
        let preTokenizer = try AnyJSON.member("pre_tokenizer", ofFile: tokenizerURL)?.removing("trim_offsets")
        guard let match = file.variants.first(where: { $0.preTokenizer.removing("trim_offsets") == preTokenizer }) else {
            throw FixtureError("\(tokenizerURL.path) has a pre-tokenizer none of the expectations were made with "
                               + "(\(file.variants.map(\.label))); regenerate them with scripts/make_tokenizer_fixtures.py")
        }
        return match.expected
    }

    @Test("encode, decode and chat equal Hugging Face's", .enabled(if: directory != nil, skipReason))
    func parity() throws {
        let directory = try #require(Self.directory)
        let tokenizer = try BPETokenizer(directory: directory)
        let expected = try Self.variant(for: directory)
        #expect(tokenizer.vocabSize == expected.vocabSize)
        try HuggingFaceParityTests.checkEncode(tokenizer, expected, name: "SmolLM2")
        HuggingFaceParityTests.checkPieces(tokenizer, expected, name: "SmolLM2")
        HuggingFaceParityTests.checkDecode(tokenizer, expected, name: "SmolLM2")
        if expected.chats != nil {
            try HuggingFaceParityTests.checkChats(tokenizer, expected, name: "SmolLM2")
        }
    }

    @Test("special tokens and the chat template", .enabled(if: directory != nil, skipReason))
    func specials() throws {
        let directory = try #require(Self.directory)
        let tokenizer = try BPETokenizer(directory: directory)
        #expect(tokenizer.vocabSize == 49_152)
        #expect(tokenizer.id(of: "<|im_start|>") == 1)
        #expect(tokenizer.id(of: "<|im_end|>") == 2)
        #expect(tokenizer.eosToken == "<|im_end|>")
        let template = try tokenizer.requireChatTemplate()
        #expect(template.defaultSystemPrompt == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        #expect(template.stopTokens == ["<|im_end|>"])
    }
}
