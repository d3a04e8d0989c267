import Foundation

// A checkpoint's embeddings only make sense with the exact vocabulary they were
// trained with, so checkpoints store this description next to the weights.
extension Tokenizer {
    /// File name of the tokenizer description inside a checkpoint directory.
    public static let checkpointFile = "nanoreasoner_tokenizer.json"

    /// JSON describing this tokenizer:
    /// `{"alphabet":[...],"byte_fallback_offset":N,"special_tokens":{"<pad>":0,...},
    ///   "type":"nanoreasoner-char-bytes","version":1,"vocab_size":V}` (keys sorted).
    public func descriptionJSON() -> Data {
        let description = TokenizerDescription(
            type: TokenizerDescription.typeName,
            version: TokenizerDescription.currentVersion,
            specialTokens: Dictionary(uniqueKeysWithValues: Tokenizer.specialTokens.enumerated().map { ($1, $0) }),
            alphabet: alphabet.map { String($0) },
            byteFallbackOffset: byteOffset,
            vocabSize: vocabSize)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Plain strings and integers always encode.
        return try! encoder.encode(description)
    }

    /// Rebuilds a tokenizer from `descriptionJSON()` output, checking that every
    /// field agrees with the id layout this code implements.
    public init(descriptionJSON data: Data) throws {
        let d: TokenizerDescription
        do {
            d = try JSONDecoder().decode(TokenizerDescription.self, from: data)
        } catch {
            throw TokenizerError.invalidDescription(
                "expected a JSON object with type, version, special_tokens, alphabet, byte_fallback_offset and vocab_size (\(Self.reason(error)))")
        }
        guard d.type == TokenizerDescription.typeName else {
            throw TokenizerError.invalidDescription(
                "type is \"\(d.type)\", expected \"\(TokenizerDescription.typeName)\"")
        }
        guard d.version == TokenizerDescription.currentVersion else {
            throw TokenizerError.invalidDescription(
                "version \(d.version) is not supported (expected \(TokenizerDescription.currentVersion))")
        }
        for (id, name) in Tokenizer.specialTokens.enumerated() where d.specialTokens[name] != id {
            throw TokenizerError.invalidDescription("special_tokens must map \"\(name)\" to \(id)")
        }
        guard d.specialTokens.count == Tokenizer.specialTokens.count else {
            throw TokenizerError.invalidDescription(
                "special_tokens has entries other than \(Tokenizer.specialTokens.joined(separator: " "))")
        }
        var scalars: [Unicode.Scalar] = []
        for (i, entry) in d.alphabet.enumerated() {
            guard entry.unicodeScalars.count == 1, let scalar = entry.unicodeScalars.first else {
                throw TokenizerError.invalidDescription(
                    "alphabet[\(i)] is \"\(entry)\", expected exactly one Unicode scalar")
            }
            scalars.append(scalar)
        }
        try self.init(alphabet: scalars)
        guard d.byteFallbackOffset == byteOffset else {
            throw TokenizerError.invalidDescription(
                "byte_fallback_offset is \(d.byteFallbackOffset), expected \(byteOffset) for \(scalars.count) alphabet scalars")
        }
        guard d.vocabSize == vocabSize else {
            throw TokenizerError.invalidDescription("vocab_size is \(d.vocabSize), expected \(vocabSize)")
        }
    }

    /// Loads the tokenizer stored in checkpoint directory `dir`.
    public static func load(checkpoint dir: String) throws -> Tokenizer {
        let path = URL(fileURLWithPath: dir).appendingPathComponent(checkpointFile).path
        guard let data = FileManager.default.contents(atPath: path) else {
            // A directory `save_pretrained` wrote carries only Hugging Face's file: read ours from it.
            let hf = URL(fileURLWithPath: dir).appendingPathComponent("tokenizer.json").path
            if let hfData = FileManager.default.contents(atPath: hf) {
                do { return try Tokenizer(huggingFaceJSON: hfData) } catch let error as TokenizerError {
                    throw TokenizerError.invalidDescription("\(hf): \(error.reason)")
                }
            }
            throw TokenizerError.invalidDescription("\(path) is missing (and there is no tokenizer.json); is \(dir) a NanoReasoner checkpoint?")
        }
        do {
            return try Tokenizer(descriptionJSON: data)
        } catch let error as TokenizerError {
            throw TokenizerError.invalidDescription("\(path): \(error.reason)")
        }
    }

    // DecodingError's own description is long and nested; keep the useful part.
    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _):
            return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not a JSON object" : "\"\(path)\" has the wrong type"
        case DecodingError.dataCorrupted:
            return "not valid JSON"
        default:
            return "\(error)"
        }
    }
}

/// The on-disk shape of `Tokenizer.descriptionJSON()`.
struct TokenizerDescription: Codable {
    static let typeName = "nanoreasoner-char-bytes"
    static let currentVersion = 1

    var type: String
    var version: Int
    var specialTokens: [String: Int]
    var alphabet: [String]
    var byteFallbackOffset: Int
    var vocabSize: Int

    enum CodingKeys: String, CodingKey {
        case type, version, alphabet
        case specialTokens = "special_tokens"
        case byteFallbackOffset = "byte_fallback_offset"
        case vocabSize = "vocab_size"
    }
}

extension Tokenizer {
    /// The special-token ids as Hugging Face's config.json names them.
    public static var huggingFaceConfigIds: [String: Any] {
        ["bos_token_id": Int(bos), "eos_token_id": Int(eos), "pad_token_id": Int(pad)]
    }
}
