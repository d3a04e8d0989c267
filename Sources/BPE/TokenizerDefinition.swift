import Foundation

/// What a `tokenizer.json` says, checked, in the form the encoder and decoder use.
///
/// Implemented: model `BPE` (vocab; merges as `"a b"` strings or `["a", "b"]` pairs;
/// `unk_token`, `fuse_unk`, `ignore_merges`), normalizer null / `NFC` / a `Sequence` of those,
/// pre-tokenizers `ByteLevel`, `Digits`, `Split` (GPT-2's, Qwen2's or Llama 3's regex,
/// behaviour `Isolated`) and `Sequence`s of them, ending in `ByteLevel`; post-processor null /
/// `ByteLevel` / `TemplateProcessing` with special tokens around `$A` / a `Sequence` of those;
/// decoder `ByteLevel`. Anything else is a `BPEError.unsupported` naming it.
struct TokenizerDefinition {
    var vocab: [String: Int32]
    var model: BPEModel
    var addedTokens: [AddedToken]
    var normalizer: Normalizer
    var preTokenizer: PreTokenizer
    /// Ids the post-processor puts before and after the text's (`TemplateProcessing`'s single template).
    var prefixIds: [Int32]
    var suffixIds: [Int32]

    static let notByteLevelHint = "this module implements byte-level BPE (GPT-2, SmolLM2, Qwen2, Llama 3 style tokenizers) only"

    static func parse(_ data: Data, path: String) throws -> TokenizerDefinition {
        let root = try JSONNode.parseObject(data, path: path)
        try checkTruncationAndPadding(root)
        let normalizer = try parseNormalizer(try root.optional("normalizer"))
        let (vocab, model) = try parseModel(try root.required("model"))
        let added = try parseAddedTokens(try root.optional("added_tokens"), normalizer: normalizer)
        guard let preNode = try root.optional("pre_tokenizer") else {
            throw BPEError.unsupported(path: path, feature: "a tokenizer without a pre-tokenizer (`pre_tokenizer` is null)",
                                       hint: notByteLevelHint + ", whose pre_tokenizer includes ByteLevel")
        }
        let steps = try parsePreTokenizer(preNode)
        try checkByteLevelLast(steps, preNode)
        let (prefix, suffix) = try parsePostProcessor(try root.optional("post_processor"))
        try checkDecoder(try root.optional("decoder"), path: path)
        return TokenizerDefinition(vocab: vocab, model: model, addedTokens: added, normalizer: normalizer,
                                   preTokenizer: PreTokenizer(steps: steps), prefixIds: prefix, suffixIds: suffix)
    }

    // MARK: - Truncation, padding

    private static func checkTruncationAndPadding(_ root: JSONNode) throws {
        if let truncation = try root.optional("truncation") {
            throw BPEError.unsupported(path: root.path, feature: "`truncation` (\(truncation.preview))",
                                       hint: "set it to null in tokenizer.json and cut the ids to length yourself")
        }
        // Padding to the batch's longest does nothing to one text; to a fixed length it would.
        if let padding = try root.optional("padding"), let strategy = try padding.member("strategy"),
           !((strategy.value as? String) == "BatchLongest") {
            throw BPEError.unsupported(path: root.path, feature: "`padding` with strategy \(strategy.preview)",
                                       hint: "set padding to null in tokenizer.json and pad the ids yourself")
        }
    }

    // MARK: - Normalizer

    private static func parseNormalizer(_ node: JSONNode?) throws -> Normalizer {
        guard let node else { return .none }
        let type = try node.required("type").string()
        switch type {
        case "NFC":
            return .nfc
        case "Sequence":
            var result = Normalizer.none
            for item in try node.required("normalizers").array() where try parseNormalizer(item) == .nfc {
                result = .nfc
            }
            return result
        default:
            throw BPEError.unsupported(path: node.path, feature: "normalizer \"\(type)\" (at `\(node.field)`)",
                                       hint: "implemented: none and NFC (Qwen2's); \(notByteLevelHint)")
        }
    }

    // MARK: - Model

    private static func parseModel(_ node: JSONNode) throws -> ([String: Int32], BPEModel) {
        let path = node.path
        let type = try node.optionalString("type") ?? ((try node.member("merges")) != nil ? "BPE" : "(none given)")
        guard type == "BPE" else {
            throw BPEError.unsupported(path: path, feature: "model type \"\(type)\"",
                                       hint: notByteLevelHint + "; a Unigram or WordPiece tokenizer (T5, BERT, …) needs another encoder")
        }
        if let dropout = try node.optional("dropout"), try dropout.double() != 0 {
            throw BPEError.unsupported(path: path, feature: "BPE dropout (model.dropout = \(dropout.preview))",
                                       hint: "set model.dropout to null: dropout is a training-time augmentation")
        }
        if try node.bool("byte_fallback", default: false) {
            throw BPEError.unsupported(path: path, feature: "BPE with byte_fallback (a SentencePiece-style tokenizer such as Llama 2's or Mistral's)",
                                       hint: notByteLevelHint)
        }
        for affix in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = try node.optionalString(affix), !value.isEmpty {
                throw BPEError.unsupported(path: path, feature: "model.\(affix) \"\(value)\"", hint: notByteLevelHint)
            }
        }
        let vocab = try parseVocab(try node.required("vocab"))
        let merges = try parseMerges(try node.required("merges"), vocab: vocab)

        var byteIds = [Int32](repeating: -1, count: 256)
        for b in 0..<256 { byteIds[b] = vocab[ByteLevelAlphabet.token(for: [UInt8(b)])] ?? -1 }
        let ignoreMerges = try node.bool("ignore_merges", default: false)
        var wholeWords: [[UInt8]: Int32] = [:]
        if ignoreMerges {
            for (token, id) in vocab {
                if let bytes = ByteLevelAlphabet.bytes(of: token) { wholeWords[bytes] = id }
            }
        }
        // An unk_token missing from the vocabulary is never produced (`tokenizers` would fail
        // on a byte without a token instead; byte-level vocabularies have all 256).
        let unknownId = try node.optionalString("unk_token").flatMap { vocab[$0] }
        let model = BPEModel(byteIds: byteIds, merges: merges, unknownId: unknownId,
                             fuseUnknown: try node.bool("fuse_unk", default: false),
                             ignoreMerges: ignoreMerges, wholeWords: wholeWords)
        return (vocab, model)
    }

    private static func parseVocab(_ node: JSONNode) throws -> [String: Int32] {
        let dict = try node.object()
        var vocab: [String: Int32] = [:]
        vocab.reserveCapacity(dict.count)
        for (token, value) in dict {
            // The node (and its name) only when the value is wrong: 150,000 of them add up.
            guard let id = value as? Int, id >= 0, id < Int(Int32.max) else {
                let entry = JSONNode(value: value, field: "\(node.field)[\"\(token)\"]", path: node.path)
                let id = try entry.int()
                throw BPEError.invalidField(path: node.path, field: entry.field, problem: "is \(id), not an id from 0 to \(Int32.max - 1)")
            }
            vocab[token] = Int32(id)
        }
        return vocab
    }

    private static func parseMerges(_ node: JSONNode, vocab: [String: Int32]) throws -> MergeTable {
        let items = try node.rawArray()
        var table = MergeTable(minimumCapacity: items.count)
        var rank = 0
        for (index, value) in items.enumerated() {
            // The node naming the merge is made only for an error: there are 150,000 merges.
            func invalid(_ problem: (JSONNode) -> String) -> BPEError {
                let item = node.element(index, value)
                return BPEError.invalidField(path: node.path, field: item.field, problem: problem(item))
            }
            let left: String, right: String
            if let line = value as? String {
                if line.hasPrefix("#version") { continue }  // the old merges.txt header
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw invalid { "is \($0.preview): a merge string must be two tokens separated by one space" }
                }
                (left, right) = (String(parts[0]), String(parts[1]))
            } else if let pair = value as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                (left, right) = (a, b)
            } else {
                throw invalid { "is \($0.preview): a merge must be \"left right\" or [\"left\", \"right\"]" }
            }
            func id(_ token: String) throws -> Int32 {
                guard let id = vocab[token] else {
                    throw invalid { "merges \($0.preview), but \"\(token)\" is not in model.vocab" }
                }
                return id
            }
            table.insert(left: try id(left), right: try id(right), rank: rank, id: try id(left + right))
            rank += 1
        }
        return table
    }

    // MARK: - Added tokens

    private static func parseAddedTokens(_ node: JSONNode?, normalizer: Normalizer) throws -> [AddedToken] {
        guard let node else { return [] }
        var tokens: [AddedToken] = []
        for item in try node.array() {
            let id = try item.required("id").int()
            guard id >= 0 && id < Int(Int32.max) else {
                throw BPEError.invalidField(path: item.path, field: item.field + ".id", problem: "is \(id), not an id from 0 to \(Int32.max - 1)")
            }
            let content = try item.required("content").string()
            if content.isEmpty { continue }  // `tokenizers` ignores empty added tokens
            let special = try item.bool("special", default: false)
            let normalized = try item.bool("normalized", default: !special)
            let pattern = normalized ? normalizer.apply(content) : content
            tokens.append(AddedToken(id: Int32(id), content: content, pattern: pattern.unicodeScalars.map(\.value),
                                     singleWord: try item.bool("single_word", default: false),
                                     lstrip: try item.bool("lstrip", default: false),
                                     rstrip: try item.bool("rstrip", default: false),
                                     normalized: normalized, special: special))
        }
        return tokens
    }

    // MARK: - Pre-tokenizer

    private static func parsePreTokenizer(_ node: JSONNode) throws -> [PreTokenizerStep] {
        let type = try node.required("type").string()
        switch type {
        case "Sequence":
            return try node.required("pretokenizers").array().flatMap { try parsePreTokenizer($0) }
        case "ByteLevel":
            return [.byteLevel(addPrefixSpace: try node.bool("add_prefix_space", default: true),
                               useRegex: try node.bool("use_regex", default: true))]
        case "Digits":
            return [.digits(individual: try node.bool("individual_digits", default: false))]
        case "Split":
            let patternNode = try node.required("pattern")
            guard let regex = try patternNode.optionalString("Regex") else {
                throw BPEError.unsupported(path: node.path, feature: "Split pattern \(patternNode.preview) (at `\(node.field)`)",
                                           hint: "implemented: Split with GPT-2's, Qwen2's or Llama 3's Regex")
            }
            guard let pattern = SplitPattern(regex: regex) else {
                throw BPEError.unsupported(path: node.path, feature: "Split regex \(patternNode.preview) (at `\(node.field)`)",
                                           hint: "implemented: GPT-2's, Qwen2's and Llama 3's regexes, matched by their exact text")
            }
            let behavior = try node.required("behavior").string()
            guard behavior == "Isolated" else {
                throw BPEError.unsupported(path: node.path, feature: "Split behavior \"\(behavior)\" (at `\(node.field)`)",
                                           hint: "implemented: Isolated")
            }
            guard !(try node.bool("invert", default: false)) else {
                throw BPEError.unsupported(path: node.path, feature: "Split with invert: true (at `\(node.field)`)",
                                           hint: "implemented: invert false")
            }
            return [.split(pattern)]
        default:
            throw BPEError.unsupported(path: node.path, feature: "pre-tokenizer \"\(type)\" (at `\(node.field)`)",
                                       hint: "implemented: ByteLevel, Digits, Split and Sequence; \(notByteLevelHint)")
        }
    }

    /// The byte mapping happens in the model, on bytes, so nothing may split after `ByteLevel`.
    private static func checkByteLevelLast(_ steps: [PreTokenizerStep], _ node: JSONNode) throws {
        guard let last = steps.last, case .byteLevel = last else {
            throw BPEError.unsupported(path: node.path, feature: "a pre-tokenizer that does not end in ByteLevel",
                                       hint: notByteLevelHint + ", whose pre_tokenizer ends with ByteLevel")
        }
        let count = steps.filter { if case .byteLevel = $0 { return true } else { return false } }.count
        guard count == 1 else {
            throw BPEError.unsupported(path: node.path, feature: "\(count) ByteLevel pre-tokenizers",
                                       hint: "implemented: exactly one ByteLevel, last")
        }
    }

    // MARK: - Post-processor, decoder

    private static func parsePostProcessor(_ node: JSONNode?) throws -> ([Int32], [Int32]) {
        guard let node else { return ([], []) }
        let type = try node.required("type").string()
        switch type {
        case "ByteLevel":
            return ([], [])  // trims offsets only
        case "Sequence":
            var found: ([Int32], [Int32]) = ([], [])
            var templates = 0
            for item in try node.required("processors").array() {
                let (prefix, suffix) = try parsePostProcessor(item)
                if try item.required("type").string() == "TemplateProcessing" {
                    templates += 1
                    found = (prefix, suffix)
                }
            }
            guard templates <= 1 else {
                throw BPEError.unsupported(path: node.path, feature: "\(templates) TemplateProcessing post-processors in one Sequence",
                                           hint: "implemented: at most one")
            }
            return found
        case "TemplateProcessing":
            return try parseTemplate(node)
        default:
            throw BPEError.unsupported(path: node.path, feature: "post-processor \"\(type)\" (at `\(node.field)`)",
                                       hint: "implemented: ByteLevel, and TemplateProcessing that puts special tokens around $A")
        }
    }

    /// `single`: special tokens, one `Sequence` `A`, special tokens.
    private static func parseTemplate(_ node: JSONNode) throws -> ([Int32], [Int32]) {
        let specials = try node.optional("special_tokens")
        var prefix: [Int32] = [], suffix: [Int32] = []
        var seenSequence = false
        for piece in try node.required("single").array() {
            if let sequence = try piece.member("Sequence") {
                let id = try sequence.required("id").string()
                guard id == "A", !seenSequence else {
                    throw BPEError.unsupported(path: node.path, feature: "a TemplateProcessing single template with \(piece.preview) (at `\(piece.field)`)",
                                               hint: "implemented: one $A with special tokens around it")
                }
                seenSequence = true
            } else if let special = try piece.member("SpecialToken") {
                let name = try special.required("id").string()
                guard let entry = try specials?.member(name) else {
                    throw BPEError.invalidField(path: node.path, field: piece.field,
                                                problem: "names special token \"\(name)\", which post_processor.special_tokens does not define")
                }
                let ids = try entry.required("ids").array().map { node -> Int32 in
                    let id = try node.int()
                    guard id >= 0 && id < Int(Int32.max) else {
                        throw BPEError.invalidField(path: node.path, field: node.field, problem: "is \(id), not a token id")
                    }
                    return Int32(id)
                }
                if seenSequence { suffix += ids } else { prefix += ids }
            } else {
                throw BPEError.invalidField(path: node.path, field: piece.field, problem: "should be a {\"Sequence\": …} or {\"SpecialToken\": …}")
            }
        }
        guard seenSequence else {
            throw BPEError.invalidField(path: node.path, field: node.field + ".single", problem: "has no {\"Sequence\": {\"id\": \"A\"}}")
        }
        return (prefix, suffix)
    }

    private static func checkDecoder(_ node: JSONNode?, path: String) throws {
        guard let node else {
            throw BPEError.unsupported(path: path, feature: "a tokenizer without a decoder (`decoder` is null)",
                                       hint: notByteLevelHint + ", whose decoder is ByteLevel")
        }
        let type = try node.required("type").string()
        guard type == "ByteLevel" else {
            throw BPEError.unsupported(path: path, feature: "decoder \"\(type)\"", hint: notByteLevelHint + ", whose decoder is ByteLevel")
        }
    }
}
