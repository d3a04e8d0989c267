import Foundation

/// The tokenizer's description as stored in checkpoints, so a checkpoint carries
/// exactly the vocabulary its embeddings were trained with.
extension Tokenizer {
    struct Description: Codable {
        var type: String
        var version: Int
        var special_tokens: [String: Int]
        var alphabet: [String]
        var byte_fallback_offset: Int
        var vocab_size: Int
    }

    public func descriptionJSON() -> Data {
        var specials = ["<pad>": 0, "<bos>": 1, "<eos>": 2]
        for (k, t) in Tokenizer.tags.enumerated() { specials[t] = 3 + k }
        let d = Description(type: "nanoreasoner-char-bytes", version: 1, special_tokens: specials,
                            alphabet: alphabet.map { String($0) }, byte_fallback_offset: byteOffset, vocab_size: vocabSize)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try! enc.encode(d)
    }

    public init(descriptionJSON data: Data) throws {
        let d: Description
        do { d = try JSONDecoder().decode(Description.self, from: data) } catch {
            throw TokenizerError.invalid("description is not valid JSON of the expected shape (\(error))")
        }
        guard d.type == "nanoreasoner-char-bytes", d.version == 1 else {
            throw TokenizerError.invalid("unknown tokenizer type \(d.type) version \(d.version)")
        }
        var scalars: [Unicode.Scalar] = []
        for s in d.alphabet {
            guard s.unicodeScalars.count == 1 else { throw TokenizerError.invalid("alphabet entry \"\(s)\" is not one scalar") }
            scalars.append(s.unicodeScalars.first!)
        }
        try self.init(alphabet: scalars)
        guard vocabSize == d.vocab_size, byteOffset == d.byte_fallback_offset else {
            throw TokenizerError.invalid("vocab_size \(d.vocab_size) / byte offset \(d.byte_fallback_offset) disagree with the alphabet")
        }
    }

    /// Loads the tokenizer stored in a checkpoint directory.
    public static func load(checkpoint dir: String) throws -> Tokenizer {
        let path = (dir as NSString).appendingPathComponent(checkpointFile)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError.invalid("\(path) is missing; is \(dir) a NanoReasoner checkpoint?")
        }
        do { return try Tokenizer(descriptionJSON: data) } catch { throw TokenizerError.invalid("\(path): \(error)") }
    }
}
