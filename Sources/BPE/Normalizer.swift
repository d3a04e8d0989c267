/// The normalizers this module implements: none, or Unicode NFC (Qwen2's).
///
/// `tokenizers` normalizes with Unicode 9.0's tables: a scalar assigned later has no
/// combining class and composes with nothing there, so it stays where it is and nothing is
/// reordered or composed across it. We normalize the runs between such scalars with the
/// standard library's (newer) NFC, whose data for older scalars is the same (Unicode's
/// stability policy), which gives `tokenizers`' result.
///
/// The standard library's NFC, not Foundation's: on Linux `precomposedStringWithCanonicalMapping`
/// composes a supplementary-plane letter with a following accent as if it were the BMP letter
/// with the same low 16 bits (U+10397 U+0340 becomes U+1FCA).
enum Normalizer: Sendable, Equatable {
    case none
    case nfc

    /// The Unicode version of `tokenizers`' normalization tables.
    static let tablesVersion = (major: 9, minor: 0)

    /// `scalars` normalized, or nil when they already are (so callers keep their buffer).
    func apply(_ scalars: ArraySlice<UInt32>) -> [UInt32]? {
        guard self == .nfc else { return nil }
        // Below U+0300 every scalar is NFC_Quick_Check=Yes: such text is already NFC.
        guard scalars.contains(where: { $0 >= 0x300 }) else { return nil }
        var out: [UInt32] = []
        out.reserveCapacity(scalars.count)
        var runStart = scalars.startIndex
        for i in scalars.indices where scalars[i] >= 0x300 && Self.isNewerThanTables(scalars[i]) {
            out += Self.nfc(scalars[runStart..<i])
            out.append(scalars[i])
            runStart = i + 1
        }
        out += Self.nfc(scalars[runStart...])
        return out == Array(scalars) ? nil : out
    }

    /// `text` normalized (for added tokens' patterns).
    func apply(_ text: String) -> String {
        let scalars = text.unicodeScalars.map(\.value)
        guard let normalized = apply(scalars[...]) else { return text }
        return Self.string(normalized[...])
    }

    private static func isNewerThanTables(_ v: UInt32) -> Bool {
        guard let age = Unicode.Scalar(v)?.properties.age else { return true }
        return age.major > tablesVersion.major || (age.major == tablesVersion.major && age.minor > tablesVersion.minor)
    }

    private static func nfc(_ scalars: ArraySlice<UInt32>) -> [UInt32] {
        guard scalars.contains(where: { $0 >= 0x300 }) else { return Array(scalars) }
        // `_nfcCodeUnits` is public API, underscored: the only NFC the standard library exposes.
        let utf8 = string(scalars)._nfcCodeUnits
        return String(decoding: utf8, as: UTF8.self).unicodeScalars.map(\.value)
    }

    private static func string(_ scalars: ArraySlice<UInt32>) -> String {
        var view = String.UnicodeScalarView()
        for v in scalars {
            if let scalar = Unicode.Scalar(v) { view.append(scalar) }
        }
        return String(view)
    }
}
