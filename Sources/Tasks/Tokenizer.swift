import Foundation

/// Character-level tokenizer with a compact alphabet and UTF-8 byte fallback.
///
/// Ids: 0 PAD, 1 BOS, 2 EOS, 3…6 the tags `<think>` `</think>` `<answer>` `</answer>`,
/// then one id per alphabet scalar, then 256 byte ids. The task's text uses only
/// the alphabet; anything else still round-trips through the bytes.
public struct Tokenizer: Sendable, Equatable {
    public static let pad: Int32 = 0, bos: Int32 = 1, eos: Int32 = 2
    public static let thinkOpen: Int32 = 3, thinkClose: Int32 = 4, answerOpen: Int32 = 5, answerClose: Int32 = 6
    public static let tags = ["<think>", "</think>", "<answer>", "</answer>"]
    static let firstAlphabetId = 7
    /// File name of the tokenizer's description inside a checkpoint directory.
    public static let checkpointFile = "nanoreasoner_tokenizer.json"

    /// The arithmetic task's characters (digits, operators and trace punctuation).
    public static let standardAlphabet = Array("0123456789+-*/=:,;>().b \n".unicodeScalars)
    public static let standard = try! Tokenizer(alphabet: standardAlphabet)

    public let alphabet: [Unicode.Scalar]
    public let vocabSize: Int
    public var byteOffset: Int { Tokenizer.firstAlphabetId + alphabet.count }
    private let idOf: [UInt32: Int32]
    private let asciiIds: [Int32]  // −1 where an ASCII scalar is not in the alphabet

    public init(alphabet: [Unicode.Scalar]) throws {
        var map: [UInt32: Int32] = [:]
        for (i, s) in alphabet.enumerated() {
            guard map[s.value] == nil else { throw TokenizerError.invalid("alphabet lists \"\(s)\" twice") }
            map[s.value] = Int32(Tokenizer.firstAlphabetId + i)
        }
        self.alphabet = alphabet
        idOf = map
        vocabSize = Tokenizer.firstAlphabetId + alphabet.count + 256
        asciiIds = (0..<128).map { map[UInt32($0)] ?? -1 }
    }

    /// Text → ids. Tags become their ids; never emits PAD, BOS or EOS.
    public func encode(_ text: String) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count)
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "<"), let (tag, len) = tagAt(bytes, i) {
                out.append(tag)
                i += len
                continue
            }
            if bytes[i] < 128 {
                let id = asciiIds[Int(bytes[i])]
                out.append(id >= 0 ? id : Int32(byteOffset + Int(bytes[i])))
                i += 1
                continue
            }
            let len = utf8Length(bytes[i])
            if let s = decodeScalar(bytes, i, len), let id = idOf[s] {
                out.append(id)
            } else {
                for j in i..<min(i + len, bytes.count) { out.append(Int32(byteOffset + Int(bytes[j]))) }
            }
            i += len
        }
        return out
    }

    /// Ids → text. PAD/BOS/EOS decode to nothing; unknown ids to U+FFFD.
    public func decode<C: Collection>(_ ids: C) -> String where C.Element == Int32 {
        var bytes: [UInt8] = []
        for id in ids {
            let i = Int(id)
            switch i {
            case 0...2: continue
            case 3...6: bytes += Array(Tokenizer.tags[i - 3].utf8)
            case Tokenizer.firstAlphabetId..<byteOffset: bytes += Array(String(Character(alphabet[i - Tokenizer.firstAlphabetId])).utf8)
            case byteOffset..<vocabSize: bytes.append(UInt8(i - byteOffset))
            default: bytes += Array("\u{FFFD}".utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func tagAt(_ b: [UInt8], _ i: Int) -> (Int32, Int)? {
        for (k, tag) in Tokenizer.tags.enumerated() {
            let t = Array(tag.utf8)
            if i + t.count <= b.count, Array(b[i..<(i + t.count)]) == t { return (Int32(3 + k), t.count) }
        }
        return nil
    }

    private func utf8Length(_ lead: UInt8) -> Int {
        lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
    }

    private func decodeScalar(_ b: [UInt8], _ i: Int, _ len: Int) -> UInt32? {
        guard i + len <= b.count else { return nil }
        let s = String(decoding: b[i..<(i + len)], as: UTF8.self)
        return s.unicodeScalars.count == 1 ? s.unicodeScalars.first!.value : nil
    }
}

public enum TokenizerError: Error, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let m): return "invalid tokenizer: \(m)" }
    }
}
