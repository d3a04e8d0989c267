import Foundation
import Testing
import Tasks

@Suite("Tokenizer")
struct TokenizerTests {
    let tok = Tokenizer.standard

    /// Random text mixing tags, partial tags, task text, emoji, combining marks
    /// and arbitrary scalars from every plane.
    static func randomText(_ rng: inout TestRNG) -> String {
        let pieces = [
            "<think>", "</think>", "<answer>", "</answer>", "<thi", "</answer", "<answer", "</", "<", ">", "<<think>>",
            "47+85=", "7+5+0=12,", "-(52-17):", "é", "e\u{301}", "a\u{308}\u{301}", "👍🏽", "👨‍👩‍👧", "🇫🇷", "中文",
            "\0", "\n", "\r\n", " ", "\t", "\u{FFFD}", "ß", "Ω", "\u{10FFFF}", "\u{200D}", "ﬁ",
        ]
        var s = ""
        for _ in 0..<rng.below(24) {
            switch rng.below(3) {
            case 0:
                s += pieces[rng.below(pieces.count)]
            case 1:
                s.unicodeScalars.append(Unicode.Scalar(UInt8(rng.below(128))))
            default:
                // Any scalar value, skipping the surrogate gap.
                let v = UInt32(rng.below(0x11_0000))
                if let u = Unicode.Scalar(v) { s.unicodeScalars.append(u) }
            }
        }
        return s
    }

    @Test func roundTripsArbitraryText() {
        var rng = TestRNG(seed: 2024)
        for _ in 0..<1000 {
            let s = Self.randomText(&rng)
            let ids = tok.encode(s)
            let back = tok.decode(ids)
            #expect(back == s)
            #expect(Array(back.utf8) == Array(s.utf8), "not byte-identical: \(s.debugDescription)")
            #expect(!ids.contains(Tokenizer.pad) && !ids.contains(Tokenizer.bos) && !ids.contains(Tokenizer.eos))
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tok.vocabSize })
        }
    }

    /// tokenizer.json holds every id once, each where ours has it (scripts/check_hf_tokenizer.py,
    /// in `make check-hf`, has Hugging Face's `tokenizers` encode with it).
    @Test func huggingFaceTokenizerJSONHasOurIds() throws {
        let t = Tokenizer.standard
        let json = try #require(try JSONSerialization.jsonObject(with: t.huggingFaceTokenizerJSON()) as? [String: Any])
        let model = try #require(json["model"] as? [String: Any])
        let vocab = try #require(model["vocab"] as? [String: Int])
        #expect(vocab.count == t.vocabSize && Set(vocab.values) == Set(0..<t.vocabSize))
        #expect(vocab["<think>"] == Int(Tokenizer.thinkOpen) && vocab["7"] == Int(t.encode("7")[0]))
        #expect(vocab["<0x61>"] == Int(t.encode("a")[0]) && model["byte_fallback"] as? Bool == true)
        // Hugging Face's encoding starts with BOS, as every sequence our model reads.
        let post = try #require(json["post_processor"] as? [String: Any])
        let single = try #require(post["single"] as? [[String: Any]])
        #expect(post["type"] as? String == "TemplateProcessing" && (single.first?["SpecialToken"] as? [String: Any])?["id"] as? String == "<bos>")
        let added = try #require(json["added_tokens"] as? [[String: Any]])
        #expect(added.map { $0["content"] as? String } == Tokenizer.specialTokens)
        let config = try #require(try JSONSerialization.jsonObject(with: t.huggingFaceConfigJSON(contextLength: 128)) as? [String: Any])
        #expect(config["eos_token"] as? String == "<eos>" && config["model_max_length"] as? Int == 128)
        // Read back (a checkpoint `save_pretrained` wrote has only this file), and another tokenizer refused.
        #expect(try Tokenizer(huggingFaceJSON: t.huggingFaceTokenizerJSON()) == t)
        let other = try Tokenizer(alphabet: Array("abc".unicodeScalars))
        #expect(try Tokenizer(huggingFaceJSON: other.huggingFaceTokenizerJSON()) == other)
        #expect { try Tokenizer(huggingFaceJSON: Data(#"{"model": {"type": "WordPiece", "vocab": {}}}"#.utf8)) } throws: {
            "\($0)".contains("not a BPE")
        }
    }

    @Test func idLayout() {
        #expect([Tokenizer.pad, Tokenizer.bos, Tokenizer.eos] == [0, 1, 2])
        #expect([Tokenizer.thinkOpen, Tokenizer.thinkClose, Tokenizer.answerOpen, Tokenizer.answerClose] == [3, 4, 5, 6])
        #expect(tok.alphabet.count <= 40)
        #expect(tok.vocabSize == 7 + tok.alphabet.count + 256)
        #expect(Int(tok.firstByteId) == 7 + tok.alphabet.count)
        #expect(tok.encode("0") == [7])
        // "é" is not in the alphabet: its two UTF-8 bytes.
        #expect(tok.encode("é") == [tok.firstByteId + 0xC3, tok.firstByteId + 0xA9])
        #expect(tok.encode("") == [])
        #expect(tok.decode([Int32]()) == "")
    }

    @Test func tagsAreSingleIdsAndPartialTagsAreText() {
        #expect(tok.encode("<think>1</think><answer>2</answer>") ==
            [Tokenizer.thinkOpen, 8, Tokenizer.thinkClose, Tokenizer.answerOpen, 9, Tokenizer.answerClose])
        for partial in ["<thi", "<think", "</answer", "<Think>", "< think>"] {
            let ids = tok.encode(partial)
            #expect(ids.count == partial.utf8.count, "\(partial) should be plain text")
            #expect(tok.decode(ids) == partial)
        }
        #expect(tok.encode("<<think>>") == [tok.firstByteId + 0x3C, Tokenizer.thinkOpen, tok.firstByteId + 0x3E])
    }

    @Test func specialsAndBadIdsDecode() {
        #expect(tok.decode([Tokenizer.bos, Tokenizer.pad, 7, Tokenizer.eos, Tokenizer.pad]) == "0")
        #expect(tok.decode([Tokenizer.thinkOpen, Tokenizer.thinkClose, Tokenizer.answerOpen, Tokenizer.answerClose])
            == "<think></think><answer></answer>")
        #expect(tok.decode([-1]) == "\u{FFFD}")
        #expect(tok.decode([Int32(tok.vocabSize)]) == "\u{FFFD}")
        // A lone continuation byte is not valid UTF-8.
        #expect(tok.decode([tok.firstByteId + 0x80]) == "\u{FFFD}")
        // The Collection form, e.g. for a slice of a longer sequence.
        let ids = tok.encode("12+3")
        #expect(tok.decode(ids[1...]) == "2+3")
    }

    @Test func nonASCIIAlphabet() throws {
        let custom = try Tokenizer(alphabet: ["a", "é", "👍", "\u{301}"])
        #expect(custom.encode("aé👍") == [7, 8, 9])
        #expect(custom.encode("e\u{301}") == [custom.firstByteId + 0x65, 10])
        var rng = TestRNG(seed: 9)
        for _ in 0..<200 {
            let s = Self.randomText(&rng) + "é👍a"
            #expect(custom.decode(custom.encode(s)) == s)
        }
    }

    @Test func duplicateAlphabetIsRejected() {
        #expect(throws: TokenizerError.duplicateScalar("a")) { try Tokenizer(alphabet: ["a", "b", "a"]) }
        do {
            _ = try Tokenizer(alphabet: ["1", "1"])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("more than once"))
            #expect(error.localizedDescription.contains("more than once"))
        }
    }

    @Test func descriptionJSONRoundTrips() throws {
        let json = tok.descriptionJSON()
        #expect(try Tokenizer(descriptionJSON: json) == tok)

        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["type"] as? String == "nanoreasoner-char-bytes")
        #expect(object["version"] as? Int == 1)
        #expect(object["byte_fallback_offset"] as? Int == Int(tok.firstByteId))
        #expect(object["vocab_size"] as? Int == tok.vocabSize)
        #expect((object["alphabet"] as? [String])?.first == "0")
        let specials = try #require(object["special_tokens"] as? [String: Int])
        #expect(specials == ["<pad>": 0, "<bos>": 1, "<eos>": 2, "<think>": 3, "</think>": 4, "<answer>": 5, "</answer>": 6])

        let custom = try Tokenizer(alphabet: ["x", "é", "👍"])
        let back = try Tokenizer(descriptionJSON: custom.descriptionJSON())
        #expect(back == custom && back.vocabSize == custom.vocabSize)
        #expect(back.encode("xé👍!") == custom.encode("xé👍!"))
    }

    @Test func badDescriptionsAreExplained() throws {
        func message(_ text: String) -> String {
            do {
                _ = try Tokenizer(descriptionJSON: Data(text.utf8))
                return ""
            } catch {
                return "\(error)"
            }
        }
        let good = String(decoding: tok.descriptionJSON(), as: UTF8.self)
        #expect(message("{").contains("not valid JSON"))
        #expect(message("[1]").contains("not a JSON object"))
        #expect(message("{}").contains("missing"))
        #expect(message(good.replacingOccurrences(of: "nanoreasoner-char-bytes", with: "bpe")).contains("type"))
        #expect(message(good.replacingOccurrences(of: "\"version\":1", with: "\"version\":2")).contains("version 2"))
        #expect(message(good.replacingOccurrences(of: "\"vocab_size\":\(tok.vocabSize)", with: "\"vocab_size\":9")).contains("vocab_size"))
        #expect(message(good.replacingOccurrences(of: "\"<pad>\":0", with: "\"<pad>\":7")).contains("<pad>"))
        #expect(message(good.replacingOccurrences(of: "[\"0\",", with: "[\"01\",")).contains("alphabet[0]"))
        #expect(message(good.replacingOccurrences(of: "[\"0\",\"1\",", with: "[\"0\",\"0\",")).contains("more than once"))
        #expect(message(good).isEmpty)
    }

    @Test func checkpointDirectoryRoundTrips() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: TokenizerError.self) { try Tokenizer.load(checkpoint: dir.path) }
        try tok.descriptionJSON().write(to: dir.appendingPathComponent(Tokenizer.checkpointFile))
        #expect(try Tokenizer.load(checkpoint: dir.path) == tok)
    }
}
