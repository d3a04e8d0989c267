import BPE
import Foundation
import Testing

/// Bad or unsupported files are errors that name the file and say what is wrong, never a crash.
@Suite("Load errors")
struct LoadErrorTests {
    /// Where the broken variants claim to come from; every message must name it.
    static let path = "/models/broken/tokenizer.json"

    /// smollm-style's tokenizer.json with `change` applied, loaded.
    static func load(_ change: (inout [String: Any]) -> Void) throws -> BPETokenizer {
        var object = try Fixtures.tokenizerObject("smollm-style")
        change(&object)
        let data = try JSONSerialization.data(withJSONObject: object)
        return try BPETokenizer(tokenizerJSON: data, configJSON: nil, path: path)
    }

    /// The error `body` throws, which must be a `BPEError` naming `path` and containing `words`.
    static func expectError(_ words: [String], path: String = path, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("no error; expected one mentioning \(words)")
        } catch let error as BPEError {
            let message = error.description
            #expect(message.hasPrefix(path), "\(message)")
            #expect(error.path == path)
            for word in words { #expect(message.contains(word), "\(message) should mention \(word)") }
        } catch {
            Issue.record("not a BPEError: \(error)")
        }
    }

    static func model(_ object: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var model = object["model"] as? [String: Any] ?? [:]
        change(&model)
        object["model"] = model
    }

    @Test func unigramModel() {
        Self.expectError(["model type \"Unigram\"", "not supported", "byte-level BPE"]) {
            _ = try Self.load { $0["model"] = ["type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["a", -1.0]]] }
        }
    }

    @Test func wordPieceModel() {
        Self.expectError(["model type \"WordPiece\""]) {
            _ = try Self.load { $0["model"] = ["type": "WordPiece", "vocab": ["a": 0], "unk_token": "[UNK]"] }
        }
    }

    @Test func sentencePieceStyleByteFallback() {
        Self.expectError(["byte_fallback", "not supported"]) {
            _ = try Self.load { Self.model(&$0) { $0["byte_fallback"] = true } }
        }
    }

    @Test func unknownPreTokenizer() {
        Self.expectError(["pre-tokenizer \"Metaspace\"", "pre_tokenizer.pretokenizers[0]", "implemented: ByteLevel, Digits, Split"]) {
            _ = try Self.load {
                $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [
                    ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true],
                    ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]]]
            }
        }
    }

    @Test func splitWithAnUnknownRegex() {
        Self.expectError(["Split regex", "\\\\w+"]) {
            _ = try Self.load {
                $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [
                    ["type": "Split", "pattern": ["Regex": "\\w+"], "behavior": "Isolated", "invert": false],
                    ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false]]]
            }
        }
    }

    @Test func splitWithAnotherBehaviour() {
        Self.expectError(["Split behavior \"Removed\""]) {
            _ = try Self.load {
                $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [
                    ["type": "Split", "pattern": ["Regex": SplitPatternTexts.qwen2], "behavior": "Removed", "invert": false],
                    ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false]]]
            }
        }
    }

    @Test func noByteLevel() {
        Self.expectError(["does not end in ByteLevel"]) {
            _ = try Self.load { $0["pre_tokenizer"] = ["type": "Digits", "individual_digits": true] }
        }
    }

    @Test func unknownNormalizer() {
        Self.expectError(["normalizer \"Lowercase\""]) {
            _ = try Self.load { $0["normalizer"] = ["type": "Lowercase"] }
        }
    }

    @Test func unknownDecoder() {
        Self.expectError(["decoder \"WordPiece\""]) {
            _ = try Self.load { $0["decoder"] = ["type": "WordPiece", "prefix": "##", "cleanup": true] }
        }
    }

    @Test func robertaPostProcessor() {
        Self.expectError(["post-processor \"RobertaProcessing\""]) {
            _ = try Self.load { $0["post_processor"] = ["type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0]] }
        }
    }

    @Test func truncation() {
        Self.expectError(["`truncation`", "set it to null"]) {
            _ = try Self.load { $0["truncation"] = ["max_length": 512, "strategy": "LongestFirst", "stride": 0, "direction": "Right"] }
        }
    }

    @Test func malformedJSON() {
        Self.expectError(["is not valid JSON"]) {
            _ = try BPETokenizer(tokenizerJSON: Data("{\"model\": {\"type\": \"BPE\", ".utf8), configJSON: nil, path: Self.path)
        }
        Self.expectError(["not a JSON object"]) {
            _ = try BPETokenizer(tokenizerJSON: Data("[1, 2]".utf8), configJSON: nil, path: Self.path)
        }
    }

    @Test func mergeNamingATokenNotInTheVocabulary() {
        Self.expectError(["`model.merges[", "\"qqzz\" is not in model.vocab"]) {
            _ = try Self.load { Self.model(&$0) { $0["merges"] = (($0["merges"] as? [Any]) ?? []) + [["Ġ", "qqzz"]] } }
        }
    }

    @Test func mergeStringWithoutASpace() {
        Self.expectError(["`model.merges[0]`", "two tokens separated by one space"]) {
            _ = try Self.load { Self.model(&$0) { $0["merges"] = ["abc"] } }
        }
    }

    @Test func mergeOfTheWrongShape() {
        Self.expectError(["`model.merges[1]`", "[\"left\", \"right\"]"]) {
            _ = try Self.load { Self.model(&$0) { $0["merges"] = [["Ġ", "t"], ["a", "b", "c"]] } }
        }
    }

    @Test func vocabularyIdThatIsNotANumber() {
        Self.expectError(["`model.vocab[\"a\"]`", "should be an integer"]) {
            _ = try Self.load { Self.model(&$0) { var v = $0["vocab"] as? [String: Any] ?? [:]; v["a"] = "seven"; $0["vocab"] = v } }
        }
    }

    @Test func missingVocabulary() {
        Self.expectError(["`model.vocab` is missing"]) {
            _ = try Self.load { Self.model(&$0) { $0["vocab"] = nil } }
        }
    }

    @Test func addedTokenWithoutContent() {
        Self.expectError(["`added_tokens[0].content` is missing"]) {
            _ = try Self.load { $0["added_tokens"] = [["id": 0, "special": true]] }
        }
    }

    @Test func missingFile() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-missing-\(UUID().uuidString)").path
        Self.expectError(["no such file"], path: dir + "/tokenizer.json") {
            _ = try BPETokenizer(directory: dir)
        }
    }

    @Test func malformedConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Fixtures.directory.appendingPathComponent("smollm-style/tokenizer.json"),
                                         to: dir.appendingPathComponent("tokenizer.json"))
        try Data("{\"eos_token\": ".utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        Self.expectError(["is not valid JSON"], path: dir.appendingPathComponent("tokenizer_config.json").path) {
            _ = try BPETokenizer(directory: dir.path)
        }
        try Data("{\"eos_token\": 7}".utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        Self.expectError(["`eos_token`", "should be a token string"], path: dir.appendingPathComponent("tokenizer_config.json").path) {
            _ = try BPETokenizer(directory: dir.path)
        }
    }

    /// Random damage to a real file: an error or a working tokenizer, never a crash.
    @Test func damagedFilesNeverCrash() throws {
        let original = try Data(contentsOf: Fixtures.directory.appendingPathComponent("qwen2-style/tokenizer.json"))
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var bytes = [UInt8](original)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] = [UInt8(ascii: "\""), UInt8(ascii: "1"), UInt8(ascii: "x"), UInt8(ascii: "]"), UInt8(ascii: " ")]
                    .randomElement(using: &rng) ?? 0
            }
            if let tokenizer = try? BPETokenizer(tokenizerJSON: Data(bytes), configJSON: nil, path: Self.path) {
                _ = tokenizer.decode(tokenizer.encode("Hello, world! 123 <|im_end|>"))
            }
        }
    }
}

/// Qwen2's split regex as tokenizer.json spells it.
enum SplitPatternTexts {
    static let qwen2 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
}
