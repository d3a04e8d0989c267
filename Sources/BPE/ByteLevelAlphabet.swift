/// GPT-2's reversible map between bytes and printable characters. Byte-level BPE vocabularies
/// spell every token with these 256 characters (a space is `Ġ`, a newline `Ċ`), so a token's
/// text maps back to exactly the bytes it stands for.
///
/// Printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the other 68
/// bytes, in increasing order, become U+0100, U+0101, … .
enum ByteLevelAlphabet {
    /// The scalar value byte `b` is written as.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if isPrintable(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar value below `byteForScalar.count` stands for, or -1.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 256 + 68)
        for (b, scalar) in scalarForByte.enumerated() { table[Int(scalar)] = Int16(b) }
        return table
    }()

    private static func isPrintable(_ b: Int) -> Bool {
        (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
    }

    /// The bytes `token` stands for, or nil when one of its characters is outside the alphabet
    /// (an added token such as `<|im_end|>` is all inside; one with a literal space is not).
    static func bytes(of token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            let v = Int(scalar.value)
            guard v < byteForScalar.count, byteForScalar[v] >= 0 else { return nil }
            out.append(UInt8(byteForScalar[v]))
        }
        return out
    }

    /// `bytes` written in the alphabet (how the vocabulary spells them).
    static func token(for bytes: [UInt8]) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes {
            if let scalar = Unicode.Scalar(scalarForByte[Int(b)]) { s.append(scalar) }
        }
        return String(s)
    }
}
