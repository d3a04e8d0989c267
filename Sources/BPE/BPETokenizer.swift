import Foundation

/// A byte-level BPE tokenizer read from a Hugging Face `tokenizer.json` (GPT-2, SmolLM2,
/// Qwen2/2.5, Llama 3 style), encoding and decoding exactly as the `tokenizers` library does.
///
/// Encoding: added tokens are found in the raw text first (leftmost, longest; their
/// `single_word`, `lstrip`, `rstrip` and `normalized` flags honoured) and become their ids;
/// the text between them is normalized (NFC when the file asks for it), split by the
/// pre-tokenizer, and each piece's UTF-8 bytes are merged by rank. Copies share a cache of
/// merged words, so encoding is safe from several threads at once.
///
/// `tokenizer_config.json` beside the file supplies the BOS/EOS/PAD names and the chat
/// template (`chat_template.jinja`, when present, takes precedence, as in transformers).
public struct BPETokenizer: Sendable {
    /// Number of ids: one more than the largest id in the vocabulary or the added tokens.
    public let vocabSize: Int
    /// The special tokens' names from `tokenizer_config.json`, when it names them.
    public let bosToken: String?
    public let eosToken: String?
    public let padToken: String?
    /// The path `tokenizer.json` was read from (errors and descriptions name it).
    public let path: String

    private let vocab: [String: Int32]
    private let model: BPEModel
    private let normalizer: Normalizer
    private let preTokenizer: PreTokenizer
    private let rawAddedTokens: AddedTokenMatcher
    private let normalizedAddedTokens: AddedTokenMatcher
    private let addedIds: [String: Int32]
    private let prefixIds: [Int32]
    private let suffixIds: [Int32]
    private let decodeTable: DecodeTable
    private let chatTemplateResult: Result<ChatTemplate, BPEError>
    private let cache = WordCache(capacity: 1 << 16)

    /// Reads `directory/tokenizer.json`, and `tokenizer_config.json` and `chat_template.jinja`
    /// when they are there.
    public init(directory: String) throws {
        let dir = URL(fileURLWithPath: directory)
        let tokenizerPath = dir.appendingPathComponent("tokenizer.json").path
        let configPath = dir.appendingPathComponent("tokenizer_config.json").path
        let jinjaPath = dir.appendingPathComponent("chat_template.jinja").path
        guard FileManager.default.fileExists(atPath: tokenizerPath) else {
            throw BPEError.unreadable(path: tokenizerPath, reason: "no such file; a Hugging Face model directory has one beside its weights")
        }
        let tokenizerJSON = try Self.read(tokenizerPath)
        let configJSON = FileManager.default.fileExists(atPath: configPath) ? try Self.read(configPath) : nil
        var jinja: String?
        if FileManager.default.fileExists(atPath: jinjaPath) {
            guard let text = String(data: try Self.read(jinjaPath), encoding: .utf8) else {
                throw BPEError.unreadable(path: jinjaPath, reason: "not UTF-8 text")
            }
            jinja = text
        }
        try self.init(tokenizerJSON: tokenizerJSON, path: tokenizerPath, configJSON: configJSON, configPath: configPath,
                      chatTemplateJinja: jinja, jinjaPath: jinjaPath)
    }

    /// Builds the tokenizer from the contents of `tokenizer.json` (read from `path`, which
    /// errors name) and, optionally, of the `tokenizer_config.json` beside it.
    public init(tokenizerJSON: Data, configJSON: Data?, path: String) throws {
        let configPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("tokenizer_config.json").path
        try self.init(tokenizerJSON: tokenizerJSON, path: path, configJSON: configJSON, configPath: configPath,
                      chatTemplateJinja: nil, jinjaPath: nil)
    }

    private init(tokenizerJSON: Data, path: String, configJSON: Data?, configPath: String,
                 chatTemplateJinja: String?, jinjaPath: String?) throws {
        let definition = try TokenizerDefinition.parse(tokenizerJSON, path: path)
        let config = try configJSON.map { try TokenizerConfig.parse($0, path: configPath) } ?? TokenizerConfig()

        self.path = path
        self.vocab = definition.vocab
        self.model = definition.model
        self.normalizer = definition.normalizer
        self.preTokenizer = definition.preTokenizer
        self.prefixIds = definition.prefixIds
        self.suffixIds = definition.suffixIds
        let added = definition.addedTokens
        self.rawAddedTokens = AddedTokenMatcher(added.filter { !$0.normalized })
        self.normalizedAddedTokens = AddedTokenMatcher(added.filter { $0.normalized })
        var addedIds: [String: Int32] = [:]
        for token in added { addedIds[token.content] = token.id }
        self.addedIds = addedIds
        let maxId = max(definition.vocab.values.max() ?? -1, added.map(\.id).max() ?? -1)
        self.vocabSize = Int(maxId) + 1
        self.decodeTable = DecodeTable(vocab: definition.vocab, added: added, normalizer: definition.normalizer, size: Int(maxId) + 1)
        self.bosToken = config.bosToken
        self.eosToken = config.eosToken
        self.padToken = config.padToken

        if let jinja = chatTemplateJinja, let jinjaPath {
            chatTemplateResult = Self.recognise(jinja, path: jinjaPath)
        } else if let source = config.chatTemplate {
            chatTemplateResult = Self.recognise(source, path: configPath)
        } else if let problem = config.chatTemplateProblem {
            chatTemplateResult = .failure(.unsupportedChatTemplate(path: configPath, start: problem))
        } else {
            chatTemplateResult = .failure(.noChatTemplate(path: configJSON == nil ? path : configPath))
        }
    }

    /// A template this module cannot render is no reason to refuse the tokenizer: the error
    /// waits for `requireChatTemplate()`.
    private static func recognise(_ source: String, path: String) -> Result<ChatTemplate, BPEError> {
        do {
            return .success(try ChatTemplate(source: source, path: path))
        } catch let error as BPEError {
            return .failure(error)
        } catch {
            return .failure(.unsupportedChatTemplate(path: path, start: "\(error)"))
        }
    }

    private static func read(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw BPEError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    // MARK: - Ids and tokens

    /// The id of `token` (an added token's text, or a vocabulary entry spelled byte-level,
    /// e.g. `Ġhello`), or nil.
    public func id(of token: String) -> Int32? {
        addedIds[token] ?? vocab[token]
    }

    /// The token spelling of `id` (added tokens first, as `tokenizers`' `id_to_token`), or nil.
    public func token(for id: Int32) -> String? {
        decodeTable.token(id)
    }

    /// True when `id` is a special token (`decode(_:skipSpecial: true)` drops it).
    public func isSpecial(_ id: Int32) -> Bool {
        decodeTable.isSpecial(id)
    }

    /// The ids of `bosToken`, `eosToken` and `padToken`, when named and in the vocabulary.
    public var bosId: Int32? { bosToken.flatMap(id(of:)) }
    public var eosId: Int32? { eosToken.flatMap(id(of:)) }
    public var padId: Int32? { padToken.flatMap(id(of:)) }

    // MARK: - Chat template

    /// The chat template, when the files carry one this module can render.
    public var chatTemplate: ChatTemplate? { try? chatTemplateResult.get() }

    /// The chat template, or the error saying why there is none: no template in the files, or
    /// one this module cannot render (naming the file and quoting the template's start).
    public func requireChatTemplate() throws -> ChatTemplate {
        try chatTemplateResult.get()
    }

    // MARK: - Encoding

    /// The ids of `text`, with the post-processor's special tokens when it adds any (as
    /// `tokenizers`' `encode(text)` and transformers' `tokenizer(text)` do; SmolLM2's and
    /// Qwen2's add none).
    public func encode(_ text: String) -> [Int32] {
        encode(text, addSpecialTokens: true)
    }

    /// The ids of `text`; `addSpecialTokens: false` leaves out the post-processor's (what
    /// `apply_chat_template` uses).
    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count / 3 + prefixIds.count + suffixIds.count)
        if addSpecialTokens { out += prefixIds }
        let buffer = TextBuffer(text)
        var scratch = EncodeScratch()
        if rawAddedTokens.isEmpty {
            encodeNormalizing(buffer, 0..<buffer.count, into: &out, &scratch)
        } else {
            var segments: [AddedTokenSegment] = []
            rawAddedTokens.split(buffer, 0..<buffer.count, into: &segments)
            for segment in segments {
                switch segment {
                case .token(let id): out.append(id)
                case .text(let range): encodeNormalizing(buffer, range, into: &out, &scratch)
                }
            }
        }
        if addSpecialTokens { out += suffixIds }
        return out
    }

    /// Normalizes `buffer[range]`, then finds the normalized added tokens in it.
    private func encodeNormalizing(_ buffer: TextBuffer, _ range: Range<Int>, into out: inout [Int32], _ scratch: inout EncodeScratch) {
        var text = buffer
        var range = range
        if let normalized = normalizer.apply(buffer.scalars[range]) {
            text = TextBuffer(scalars: normalized)
            range = 0..<normalized.count
        }
        if normalizedAddedTokens.isEmpty {
            encodePlain(text, range, into: &out, &scratch)
            return
        }
        var segments: [AddedTokenSegment] = []
        normalizedAddedTokens.split(text, range, into: &segments)
        for segment in segments {
            switch segment {
            case .token(let id): out.append(id)
            case .text(let piece): encodePlain(text, piece, into: &out, &scratch)
            }
        }
    }

    /// Pre-tokenizes `text[range]` and merges each piece.
    private func encodePlain(_ text: TextBuffer, _ range: Range<Int>, into out: inout [Int32], _ scratch: inout EncodeScratch) {
        let (buffer, pieces) = preTokenizer.split(text, range)
        for piece in pieces {
            scratch.bytes.removeAll(keepingCapacity: true)
            buffer.appendUTF8(piece, to: &scratch.bytes)
            scratch.bytes.withUnsafeBufferPointer { word in
                let hash = WordCache.hash(word)
                if cache.append(word, hash: hash, to: &out) { return }
                let start = out.count
                model.encode(word, into: &out, scratch: &scratch.merge)
                cache.insert(word, hash: hash, ids: out[start...])
            }
        }
    }

    /// The pre-tokenizer's pieces of `text` after normalization, spelled byte-level, with
    /// added tokens not split off (what `tokenizers`' `pre_tokenize_str` of the normalized
    /// text gives); for tests that check the splits themselves.
    func pieces(of text: String) -> [String] {
        var buffer = TextBuffer(text)
        if let normalized = normalizer.apply(buffer.scalars[...]) { buffer = TextBuffer(scalars: normalized) }
        let (split, ranges) = preTokenizer.split(buffer, 0..<buffer.count)
        return ranges.map { range in
            var bytes: [UInt8] = []
            split.appendUTF8(range, to: &bytes)
            return ByteLevelAlphabet.token(for: bytes)
        }
    }

    // MARK: - Decoding

    /// The text of `ids`: each token's bytes (a byte-level spelling mapped back to bytes, any
    /// other added token's UTF-8), then UTF-8 with invalid sequences as U+FFFD, as `tokenizers`
    /// decodes. Ids outside the vocabulary are skipped; so are special tokens with `skipSpecial`.
    public func decode(_ ids: [Int32], skipSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where !(skipSpecial && decodeTable.isSpecial(id)) {
            decodeTable.appendBytes(id, to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Working memory one `encode` call reuses for every word.
private struct EncodeScratch {
    var bytes: [UInt8] = []
    var merge = MergeScratch()
}
