import Foundation

/// Character-level tokenizer: four reasoning tags, a small alphabet of single
/// Unicode scalars, and a UTF-8 byte fallback so that any String round-trips.
///
/// Id layout:
///
///     0 PAD, 1 BOS, 2 EOS, 3 <think>, 4 </think>, 5 <answer>, 6 </answer>
///     7 ..< 7+A          one id per alphabet scalar, in alphabet order
///     7+A ..< 7+A+256    raw UTF-8 bytes (byte b -> firstByteId + b)
///
/// Text outside the alphabet still encodes (as bytes), it just costs more tokens.
public struct Tokenizer: Sendable, Equatable {
    public static let pad: Int32 = 0
    public static let bos: Int32 = 1
    public static let eos: Int32 = 2
    public static let thinkOpen: Int32 = 3
    public static let thinkClose: Int32 = 4
    public static let answerOpen: Int32 = 5
    public static let answerClose: Int32 = 6

    /// Names of the special ids 0...6, in id order (as in `descriptionJSON()`).
    public static let specialTokens: [String] = [
        "<pad>", "<bos>", "<eos>", "<think>", "</think>", "<answer>", "</answer>",
    ]
    /// The four tag strings, ids 3...6; `encode` turns each occurrence into one id.
    public static let tags: [String] = Array(specialTokens[3...])

    /// Number of special ids before the alphabet.
    public static let specialCount = 7

    /// The scalars the arithmetic task's prompts and traces are made of (see
    /// `ArithmeticTrace`), plus space, comma and newline for user prompts.
    /// Changing it changes the ids, which is why checkpoints store `descriptionJSON()`.
    public static let standardAlphabet: [Unicode.Scalar] = Array("0123456789+-*=():;|, \n".unicodeScalars)

    /// The tokenizer every built-in task uses.
    public static let standard = try! Tokenizer(alphabet: standardAlphabet)

    /// The alphabet scalars, in id order starting at `specialCount`.
    public let alphabet: [Unicode.Scalar]
    /// Total number of ids: 7 + alphabet.count + 256.
    public let vocabSize: Int

    /// Id of byte value 0; byte b is `firstByteId + b`.
    public var firstByteId: Int32 { Int32(Tokenizer.specialCount + alphabet.count) }
    /// `firstByteId` as an `Int` (the description's `byte_fallback_offset`).
    public var byteOffset: Int { Tokenizer.specialCount + alphabet.count }

    // ASCII scalar -> id (or -1). Most text is ASCII, so this avoids hashing.
    private let asciiIds: [Int32]
    // Non-ASCII alphabet scalars -> id.
    private let otherIds: [UInt32: Int32]
    // UTF-8 bytes each special/alphabet id decodes to (PAD/BOS/EOS decode to nothing).
    private let idBytes: [[UInt8]]

    /// Creates a tokenizer over `alphabet`. Throws if a scalar appears twice.
    public init(alphabet: [Unicode.Scalar]) throws {
        var ascii = [Int32](repeating: -1, count: 128)
        var other: [UInt32: Int32] = [:]
        var seen = Set<UInt32>()
        for (i, scalar) in alphabet.enumerated() {
            guard seen.insert(scalar.value).inserted else {
                throw TokenizerError.duplicateScalar(scalar)
            }
            let id = Int32(Tokenizer.specialCount + i)
            if scalar.isASCII { ascii[Int(scalar.value)] = id } else { other[scalar.value] = id }
        }
        var bytes: [[UInt8]] = [[], [], []]
        for tag in Tokenizer.tags { bytes.append(Array(tag.utf8)) }
        for scalar in alphabet { bytes.append(Array(String(Character(scalar)).utf8)) }

        self.alphabet = alphabet
        self.vocabSize = Tokenizer.specialCount + alphabet.count + 256
        self.asciiIds = ascii
        self.otherIds = other
        self.idBytes = bytes
    }

    /// True when `scalar` is in the alphabet (encodes to one id, not to bytes).
    func hasOwnId(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? asciiIds[Int(scalar.value)] >= 0 : otherIds[scalar.value] != nil
    }

    public static func == (lhs: Tokenizer, rhs: Tokenizer) -> Bool {
        lhs.alphabet == rhs.alphabet
    }

    // MARK: Encoding

    // Tag bodies after the leading "<", with the id they map to.
    private static let tagTails: [([UInt8], Int32)] = [
        (Array("think>".utf8), thinkOpen),
        (Array("/think>".utf8), thinkClose),
        (Array("answer>".utf8), answerOpen),
        (Array("/answer>".utf8), answerClose),
    ]

    /// Encodes `text`. Tags become their special ids, alphabet scalars their ids,
    /// anything else its UTF-8 bytes. Never emits PAD, BOS or EOS.
    public func encode(_ text: String) -> [Int32] {
        var text = text
        return text.withUTF8 { encode(utf8: $0) }
    }

    private func encode(utf8 b: UnsafeBufferPointer<UInt8>) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(b.count)
        let byteBase = firstByteId
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "<"), let (id, length) = matchTag(b, at: i) {
                out.append(id)
                i += length
            } else if c < 0x80 {
                let id = asciiIds[Int(c)]
                out.append(id >= 0 ? id : byteBase + Int32(c))
                i += 1
            } else {
                // Strings hold valid UTF-8, so the lead byte tells the scalar's length.
                let length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2
                if !otherIds.isEmpty, let id = otherIds[decodeScalar(b, at: i, length: length)] {
                    out.append(id)
                } else {
                    for k in i..<(i + length) { out.append(byteBase + Int32(b[k])) }
                }
                i += length
            }
        }
        return out
    }

    private func matchTag(_ b: UnsafeBufferPointer<UInt8>, at start: Int) -> (Int32, Int)? {
        for (tail, id) in Tokenizer.tagTails where start + tail.count < b.count {
            var k = 0
            while k < tail.count && b[start + 1 + k] == tail[k] { k += 1 }
            if k == tail.count { return (id, tail.count + 1) }
        }
        return nil
    }

    private func decodeScalar(_ b: UnsafeBufferPointer<UInt8>, at i: Int, length: Int) -> UInt32 {
        let leadMask: UInt8 = length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07
        var value = UInt32(b[i] & leadMask)
        for k in 1..<length { value = value << 6 | UInt32(b[i + k] & 0x3F) }
        return value
    }

    // MARK: Decoding

    /// Decodes ids back to text. PAD/BOS/EOS decode to "", tags to their text,
    /// byte ids are reassembled into UTF-8; out-of-range ids and invalid byte
    /// sequences become U+FFFD. `decode(encode(s)) == s` for every `s`.
    public func decode(_ ids: [Int32]) -> String {
        decode(ids[...])
    }

    /// Collection form of `decode(_:)`, e.g. for array slices.
    public func decode<C: Collection>(_ ids: C) -> String where C.Element == Int32 {
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]  // U+FFFD
        let byteBase = firstByteId
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count)
        for id in ids {
            if id >= 0 && id < byteBase {
                bytes.append(contentsOf: idBytes[Int(id)])
            } else if id >= byteBase && Int(id) < vocabSize {
                bytes.append(UInt8(id - byteBase))
            } else {
                bytes.append(contentsOf: replacement)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
