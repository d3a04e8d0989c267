/// The character classes the split patterns are written in, as the regex engines behind
/// Hugging Face `tokenizers` define them (Oniguruma for the split patterns, Rust's `regex`
/// and `char` for added tokens and `Digits`):
///
/// - `\p{L}`: general category L (Lu, Ll, Lt, Lm, Lo);
/// - `\p{N}`: general category N (Nd, Nl, No), which is also Rust's `char::is_numeric`;
/// - `\s`: the White_Space property (tab through carriage return, space, U+0085, U+00A0,
///   U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
///
/// Everything else (punctuation, symbols, marks, controls, unassigned) is "other", class 0.
///
/// Letters and numbers are taken as of Unicode 16.0, the version of the Oniguruma in
/// `tokenizers` 0.23: a scalar assigned later is unassigned there, so "other". (The standard
/// library may know a newer Unicode; Rust's `char::is_numeric`, which `Digits` uses, already
/// does: see `isNumericForDigits`.)
enum ScalarClass {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4

    /// The class of every scalar in the Basic Multilingual Plane, computed once: text is
    /// classified a scalar at a time, and a table lookup is far cheaper than a property query.
    private static let bmp: [UInt8] = (0..<0x1_0000).map { v in
        Unicode.Scalar(UInt32(v)).map(computed) ?? 0
    }

    /// The class of scalar value `v`.
    @inline(__always)
    static func of(_ v: UInt32) -> UInt8 {
        if v < 0x1_0000 { return bmp[Int(v)] }
        return Unicode.Scalar(v).map(computed) ?? 0
    }

    /// The last Unicode version whose letters and numbers the split regexes know.
    static let regexUnicodeVersion = (major: 16, minor: 0)

    private static func computed(_ scalar: Unicode.Scalar) -> UInt8 {
        if isWhitespace(scalar.value) { return whitespace }
        guard let age = scalar.properties.age,
              age.major < regexUnicodeVersion.major
                || (age.major == regexUnicodeVersion.major && age.minor <= regexUnicodeVersion.minor) else {
            return 0
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return number
        default:
            return 0
        }
    }

    /// Rust's `char::is_numeric` (general category N, in the standard library's Unicode),
    /// which the `Digits` pre-tokenizer uses; `cls` is the scalar's class.
    @inline(__always)
    static func isNumericForDigits(_ v: UInt32, class cls: UInt8) -> Bool {
        if cls == number { return true }
        // Only numbers newer than the regex tables' Unicode are classed "other".
        guard cls == 0, v >= 0x80, let scalar = Unicode.Scalar(v) else { return false }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// White_Space, spelled out so that it cannot drift with the standard library's tables.
    static func isWhitespace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Rust `regex`'s `\w` (Alphabetic, marks, decimal digits, connector punctuation,
    /// Join_Control): what an added token with `single_word` must not touch.
    static func isWordCharacter(_ v: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(v) else { return false }
        let p = scalar.properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            return true
        default:
            return false
        }
    }
}
