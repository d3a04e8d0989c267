/// A byte-level BPE tokenizer as a GGUF file's `tokenizer.ggml.*` metadata stores it,
/// checked, and written as Hugging Face's tokenizer.json and tokenizer_config.json.
struct GGUFTokenizer {
    /// llama.cpp's token types (llama_token_type / gguf.TokenType).
    static let control = 3, userDefined = 4

    let tokens: [String]
    let merges: [String]
    let types: [Int]
    let pre: String
    let chatTemplate: String?
    let bos: Int?, eos: Int?, pad: Int?, unk: Int?
    let addBos: Bool
    let contextLength: Int

    init(_ file: GGUFFile, config: GGUFModelConfig) throws {
        func fail(_ why: String) -> ModelFileError { ModelFileError(file.path, why) }
        let m = file.metadata
        guard let model = m["tokenizer.ggml.model"]?.string else { throw fail("metadata tokenizer.ggml.model is missing") }
        guard model == "gpt2" else {
            throw fail("tokenizer.ggml.model is \(model); only gpt2 (byte-level BPE) tokenizers can be imported, not sentencepiece (llama) or others")
        }
        func strings(_ key: String) throws -> [String] {
            guard let v = m[key] else { throw fail("metadata \(key) is missing") }
            guard let a = v.array else { throw fail("metadata \(key) is a \(v.typeName), not an array of strings") }
            var out: [String] = []
            out.reserveCapacity(a.count)
            for (i, e) in a.enumerated() {
                guard let s = e.string else { throw fail("metadata \(key)[\(i)] is a \(e.typeName), not a string") }
                out.append(s)
            }
            return out
        }
        let tokens = try strings("tokenizer.ggml.tokens")
        let merges = try strings("tokenizer.ggml.merges")
        self.tokens = tokens
        self.merges = merges
        guard tokens.count == config.vocabSize else {
            throw fail("tokenizer.ggml.tokens has \(tokens.count) tokens but token_embd.weight has \(config.vocabSize) rows; the vocabulary and the embedding must agree")
        }
        if let v = m["tokenizer.ggml.token_type"] {
            guard let a = v.array, a.count == tokens.count else {
                throw fail("tokenizer.ggml.token_type is \(v.typeName) of \(v.array?.count ?? 0); expected one integer per token (\(tokens.count))")
            }
            var types: [Int] = []
            types.reserveCapacity(a.count)
            for (i, e) in a.enumerated() {
                guard let t = e.int else { throw fail("tokenizer.ggml.token_type[\(i)] is a \(e.typeName), not an integer") }
                types.append(t)
            }
            self.types = types
        } else {
            types = Array(repeating: 1, count: tokens.count)
        }
        guard let pre = m["tokenizer.ggml.pre"]?.string else {
            throw fail("metadata tokenizer.ggml.pre is missing; without it the pre-tokenizer (how text is split before BPE) is unknown")
        }
        guard Self.preTokenizer(pre) != nil else {
            throw fail("tokenizer.ggml.pre is \(pre); this importer knows smollm, gpt-2 and qwen2, and guessing another would silently tokenise differently from the model's training")
        }
        self.pre = pre
        if let v = m["tokenizer.chat_template"] {
            guard let s = v.string else { throw fail("tokenizer.chat_template is a \(v.typeName), not a string") }
            chatTemplate = s
        } else {
            chatTemplate = nil
        }
        func tokenId(_ key: String) throws -> Int? {
            guard let v = m[key] else { return nil }
            guard let id = v.int, id >= 0, id < tokens.count else { throw fail("metadata \(key) is \(v), not a token id below \(tokens.count)") }
            return id
        }
        bos = try tokenId("tokenizer.ggml.bos_token_id")
        eos = try tokenId("tokenizer.ggml.eos_token_id")
        pad = try tokenId("tokenizer.ggml.padding_token_id")
        unk = try tokenId("tokenizer.ggml.unknown_token_id")
        addBos = m["tokenizer.ggml.add_bos_token"]?.bool ?? false
        if addBos && m["tokenizer.ggml.bos_token_id"] == nil { throw fail("tokenizer.ggml.add_bos_token is true but there is no tokenizer.ggml.bos_token_id") }
        contextLength = config.contextLength

        // Hugging Face's BPE maps strings to ids and refuses merges of unknown strings:
        // check both here, where the error can name the GGUF file.
        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() {
            if let other = ids.updateValue(i, forKey: t) {
                throw fail("tokenizer.ggml.tokens has \"\(t)\" twice (ids \(other) and \(i)); a Hugging Face vocabulary cannot")
            }
        }
        for (i, merge) in merges.enumerated() {
            let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw fail("tokenizer.ggml.merges[\(i)] is \"\(merge)\"; a merge is two tokens separated by one space")
            }
            for t in [String(parts[0]), String(parts[1]), String(parts[0] + parts[1])] where ids[t] == nil {
                throw fail("tokenizer.ggml.merges[\(i)] (\"\(merge)\") uses or makes \"\(t)\", which is not in tokenizer.ggml.tokens")
            }
        }
    }

    /// The pre-tokenizer (and normalizer) Hugging Face uses for each llama.cpp `pre` name.
    static func preTokenizer(_ pre: String) -> (normalizer: JSONText, preTokenizer: JSONText)? {
        func byteLevel(prefix: Bool = false, trim: Bool, regex: Bool) -> JSONText {
            .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(prefix)), ("trim_offsets", .bool(trim)), ("use_regex", .bool(regex))])
        }
        switch pre {
        case "gpt-2":
            return (.null, byteLevel(trim: true, regex: true))
        case "smollm":
            // SmolLM's own tokenizer.json: each digit alone, then GPT-2's split.
            return (.null, .object([("type", .string("Sequence")), ("pretokenizers", .array([
                .object([("type", .string("Digits")), ("individual_digits", .bool(true))]),
                byteLevel(trim: true, regex: true),
            ]))]))
        case "qwen2":
            let split = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
            return (.object([("type", .string("NFC"))]), .object([("type", .string("Sequence")), ("pretokenizers", .array([
                .object([("type", .string("Split")), ("pattern", .object([("Regex", .string(split))])),
                         ("behavior", .string("Isolated")), ("invert", .bool(false))]),
                byteLevel(trim: false, regex: false),
            ]))]))
        default:
            return nil
        }
    }

    /// Ids of the tokens Hugging Face keeps as added tokens: control and user-defined ones.
    var addedIds: [Int] { types.indices.filter { types[$0] == Self.control || types[$0] == Self.userDefined } }

    private func addedToken(_ id: Int, withId: Bool) -> JSONText {
        var pairs: [(String, JSONText)] = withId ? [("id", .int(id))] : []
        pairs += [("content", .string(tokens[id])), ("single_word", .bool(false)), ("lstrip", .bool(false)),
                  ("rstrip", .bool(false)), ("normalized", .bool(false)), ("special", .bool(types[id] == Self.control))]
        return .object(pairs)
    }

    func tokenizerJSON() -> JSONText {
        // Checked in init, so the name is known here.
        let (normalizer, preTokenizer) = Self.preTokenizer(pre) ?? (.null, .null)
        var postProcessor = JSONText.null
        if addBos, let bos {
            // llama.cpp prepends BOS to every sequence: the same as Hugging Face's template.
            let b = tokens[bos]
            func seq(_ id: String, _ type: Int) -> JSONText { .object([("Sequence", .object([("id", .string(id)), ("type_id", .int(type))]))]) }
            func special(_ type: Int) -> JSONText { .object([("SpecialToken", .object([("id", .string(b)), ("type_id", .int(type))]))]) }
            postProcessor = .object([
                ("type", .string("TemplateProcessing")),
                ("single", .array([special(0), seq("A", 0)])),
                ("pair", .array([special(0), seq("A", 0), special(1), seq("B", 1)])),
                ("special_tokens", .object([(b, .object([("id", .string(b)), ("ids", .array([.int(bos)])), ("tokens", .array([.string(b)]))]))])),
            ])
        }
        let byteLevelDecoder = JSONText.object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(true)),
                                                ("trim_offsets", .bool(true)), ("use_regex", .bool(true))])
        let model = JSONText.object([
            ("type", .string("BPE")), ("dropout", .null), ("unk_token", .null),
            ("continuing_subword_prefix", .null), ("end_of_word_suffix", .null),
            ("fuse_unk", .bool(false)), ("byte_fallback", .bool(false)), ("ignore_merges", .bool(false)),
            ("vocab", .object(tokens.enumerated().map { ($1, .int($0)) })),
            ("merges", .array(merges.map { .string($0) })),
        ])
        return .object([
            ("version", .string("1.0")), ("truncation", .null), ("padding", .null),
            ("added_tokens", .array(addedIds.map { addedToken($0, withId: true) })),
            ("normalizer", normalizer), ("pre_tokenizer", preTokenizer), ("post_processor", postProcessor),
            ("decoder", byteLevelDecoder), ("model", model),
        ])
    }

    func tokenizerConfigJSON() -> JSONText {
        var pairs: [(String, JSONText)] = [
            ("add_bos_token", .bool(addBos)), ("add_prefix_space", .bool(false)),
            ("added_tokens_decoder", .object(addedIds.map { (String($0), addedToken($0, withId: false)) })),
        ]
        for (key, id) in [("bos_token", bos), ("eos_token", eos), ("pad_token", pad), ("unk_token", unk)] {
            if let id { pairs.append((key, .string(tokens[id]))) }
        }
        if let chatTemplate { pairs.append(("chat_template", .string(chatTemplate))) }
        // The fast class reads tokenizer.json as written; given GPT2Tokenizer, transformers 5
        // rebuilds the pre-tokenizer and drops SmolLM's digit split ("a  1" then differs).
        pairs += [("clean_up_tokenization_spaces", .bool(false)), ("model_max_length", .int(contextLength)),
                  ("tokenizer_class", .string("PreTrainedTokenizerFast"))]
        return .object(pairs)
    }
}
