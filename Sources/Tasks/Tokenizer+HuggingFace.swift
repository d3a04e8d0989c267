import Foundation

/// The tokenizer in the `tokenizers` library's format, so Hugging Face's
/// `AutoTokenizer.from_pretrained(checkpoint)` gives our ids.
///
/// A BPE model without merges is exactly a character tokenizer: every alphabet scalar is a
/// vocabulary entry, anything else falls back to `<0xNN>` byte tokens (ids `firstByteId + b`,
/// as ours). The four tags are added tokens, matched whole before the model, as `encode`
/// matches them; PAD, BOS and EOS are special added tokens (so, unlike ours, the literal text
/// `<pad>`, `<bos>` or `<eos>` becomes that id in Hugging Face's encoding). Hugging Face's
/// encoding starts with BOS, as every sequence our model reads does.
extension Tokenizer {
    /// Files a Hugging Face checkpoint directory carries for its tokenizer, by name.
    public func huggingFaceFiles(contextLength: Int) -> [String: Data] {
        ["tokenizer.json": huggingFaceTokenizerJSON(), "tokenizer_config.json": huggingFaceConfigJSON(contextLength: contextLength)]
    }

    /// `tokenizer.json`.
    public func huggingFaceTokenizerJSON() -> Data {
        var vocab: [String: Int] = [:]
        for (i, name) in Tokenizer.specialTokens.enumerated() { vocab[name] = i }
        for (i, scalar) in alphabet.enumerated() { vocab[String(Character(scalar))] = Tokenizer.specialCount + i }
        for b in 0..<256 { vocab[String(format: "<0x%02X>", b)] = byteOffset + b }
        let added: [[String: Any]] = Tokenizer.specialTokens.enumerated().map { i, name in
            ["id": i, "content": name, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": i < 3]
        }
        let root: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(),
            "padding": NSNull(),
            "added_tokens": added,
            "normalizer": NSNull(),
            "pre_tokenizer": NSNull(),
            // Our model always reads BOS first: Hugging Face's encoding adds it, so a pipeline
            // generates from what the model was trained on.
            "post_processor": [
                "type": "TemplateProcessing",
                "single": [["SpecialToken": ["id": "<bos>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
                "pair": [["SpecialToken": ["id": "<bos>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]], ["Sequence": ["id": "B", "type_id": 1]]],
                "special_tokens": ["<bos>": ["id": "<bos>", "ids": [Int(Tokenizer.bos)], "tokens": ["<bos>"]]],
            ] as [String: Any],
            "decoder": ["type": "Sequence", "decoders": [["type": "ByteFallback"], ["type": "Fuse"]]],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                      "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": true, "ignore_merges": false,
                      "vocab": vocab, "merges": [String]()] as [String: Any],
        ]
        return (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }

    /// `tokenizer_config.json`: the fast tokenizer class and the special tokens' names.
    public func huggingFaceConfigJSON(contextLength: Int) -> Data {
        let config: [String: Any] = [
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>",
            "model_max_length": contextLength,
            "clean_up_tokenization_spaces": false,
        ]
        return (try? JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }

    /// Reads back a tokenizer.json of our layout (as `huggingFaceTokenizerJSON()` writes it and
    /// `save_pretrained` keeps it): the seven specials at 0…6, one scalar per id up to the 256
    /// byte tokens. Any other tokenizer is an error saying what differs.
    public init(huggingFaceJSON data: Data) throws {
        func bad(_ why: String) -> TokenizerError { .invalidDescription("not a NanoReasoner character tokenizer: \(why)") }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw bad("not a JSON object") }
        guard let model = root["model"] as? [String: Any], model["type"] as? String == "BPE",
              let vocab = model["vocab"] as? [String: Int] else { throw bad("its model is not a BPE with a vocab") }
        guard (model["merges"] as? [Any])?.isEmpty ?? true else { throw bad("it has BPE merges (multi-character tokens)") }
        var byId = [String?](repeating: nil, count: vocab.count)
        for (token, id) in vocab {
            guard (0..<vocab.count).contains(id), byId[id] == nil else { throw bad("id \(id) is outside 0..<\(vocab.count) or given twice") }
            byId[id] = token
        }
        let names = byId.compactMap { $0 }
        let bytes = vocab.count - 256
        guard names.count == vocab.count, bytes >= Tokenizer.specialCount,
              Array(names.prefix(Tokenizer.specialCount)) == Tokenizer.specialTokens else {
            throw bad("ids 0…6 are not \(Tokenizer.specialTokens.joined(separator: " "))")
        }
        for b in 0..<256 where names[bytes + b] != String(format: "<0x%02X>", b) {
            throw bad("id \(bytes + b) is \"\(names[bytes + b])\", not the byte token <0x\(String(format: "%02X", b))>")
        }
        var alphabet: [Unicode.Scalar] = []
        for id in Tokenizer.specialCount..<bytes {
            let scalars = Array(names[id].unicodeScalars)
            guard scalars.count == 1 else { throw bad("id \(id) is \"\(names[id])\", not one character") }
            alphabet.append(scalars[0])
        }
        try self.init(alphabet: alphabet)
    }
}
