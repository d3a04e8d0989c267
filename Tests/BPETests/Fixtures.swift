import BPE
import Foundation

/// The fixtures `scripts/make_tokenizer_fixtures.py` wrote: small tokenizers of each
/// pre-tokenizer style and what Hugging Face's `tokenizers` and transformers make of them.
enum Fixtures {
    /// Tests/Fixtures/tokenizers (symlinks resolved, so a scratch package linking to these
    /// sources finds them too).
    static let directory: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("tokenizers")

    /// The repository's root (for `runs/`).
    static let repositoryRoot: URL = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func tokenizer(_ name: String) throws -> BPETokenizer {
        try BPETokenizer(directory: path(name))
    }

    /// Hugging Face's answers for the fixture named `name`.
    static func expected(_ name: String) throws -> ExpectedTokenizer {
        let file: ExpectedFile = try load("expected.json")
        guard let entry = file.tokenizers[name] else {
            throw FixtureError("expected.json has no entry \(name); run scripts/make_tokenizer_fixtures.py")
        }
        return entry
    }

    static func load<T: Decodable>(_ name: String) throws -> T {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// `tokenizer.json` of a fixture as a JSON object, to make broken variants of.
    static func tokenizerObject(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name).appendingPathComponent("tokenizer.json"))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError("\(name)/tokenizer.json is not a JSON object")
        }
        return object
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct ExpectedFile: Decodable {
    let tokenizers: [String: ExpectedTokenizer]
}

/// Hugging Face's answers for one tokenizer.
struct ExpectedTokenizer: Decodable {
    let vocabSize: Int
    let cases: [EncodeCase]
    let decodes: [DecodeCase]
    let chats: [ChatCase]?
    let label: String?

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", cases, decodes, chats, label
    }
}

struct EncodeCase: Decodable {
    let text: String
    let ids: [Int32]
    let decoded: String
    let decodedSkipSpecial: String
    /// The pre-tokenizer's pieces of the normalized text (added tokens not split off).
    let pieces: [String]

    enum CodingKeys: String, CodingKey {
        case text, ids, decoded, pieces, decodedSkipSpecial = "decoded_skip_special"
    }
}

struct DecodeCase: Decodable {
    let ids: [Int32]
    let skipSpecial: Bool
    let text: String

    enum CodingKeys: String, CodingKey {
        case ids, text, skipSpecial = "skip_special"
    }
}

struct ChatCase: Decodable {
    let messages: [ChatMessage]
    let addGenerationPrompt: Bool
    let text: String
    let ids: [Int32]

    enum CodingKeys: String, CodingKey {
        case messages, text, ids, addGenerationPrompt = "add_generation_prompt"
    }
}

/// The real SmolLM2-135M-Instruct expectations: the ids once per pre-tokenizer variant.
struct RealTokenizerFile: Decodable {
    let source: String
    let variants: [RealVariant]
}

struct RealVariant: Decodable {
    let label: String
    let preTokenizer: AnyJSON
    let expected: ExpectedTokenizer

    enum CodingKeys: String, CodingKey {
        case label, preTokenizer = "pre_tokenizer"
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        label = try c.decode(String.self, forKey: .label)
        preTokenizer = try c.decode(AnyJSON.self, forKey: .preTokenizer)
        expected = try ExpectedTokenizer(from: decoder)
    }
}

/// Any JSON value, compared structurally (to tell which pre-tokenizer a file has).
indirect enum AnyJSON: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([AnyJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: AnyJSON].self)) }
    }

    /// This value without `key` anywhere in it (`trim_offsets` only moves offsets, not ids).
    func removing(_ key: String) -> AnyJSON {
        switch self {
        case .array(let items): return .array(items.map { $0.removing(key) })
        case .object(let dict): return .object(dict.filter { $0.key != key }.mapValues { $0.removing(key) })
        default: return self
        }
    }

    /// The value of `key` in a JSON file's top-level object.
    static func member(_ key: String, ofFile url: URL) throws -> AnyJSON? {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let value = (object as? [String: Any])?[key] else { return nil }
        let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
        return try JSONDecoder().decode(AnyJSON.self, from: data)
    }
}
