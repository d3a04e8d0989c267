/// Text as Unicode scalar values, each with its `ScalarClass` alongside, which is what the
/// added-token matcher and the pre-tokenizers read. Splits are ranges of indices into it.
struct TextBuffer {
    var scalars: [UInt32]
    var classes: [UInt8]

    init(scalars: [UInt32]) {
        self.scalars = scalars
        self.classes = scalars.map(ScalarClass.of)
    }

    init(_ text: String) {
        var scalars: [UInt32] = []
        scalars.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars { scalars.append(scalar.value) }
        self.init(scalars: scalars)
    }

    var count: Int { scalars.count }

    /// Appends the UTF-8 encoding of `scalars[range]` to `bytes`.
    func appendUTF8(_ range: Range<Int>, to bytes: inout [UInt8]) {
        scalars.withUnsafeBufferPointer { s in
            for i in range {
                let v = s[i]
                switch v {
                case 0..<0x80:
                    bytes.append(UInt8(v))
                case 0x80..<0x800:
                    bytes.append(UInt8(0xC0 | (v >> 6)))
                    bytes.append(UInt8(0x80 | (v & 0x3F)))
                case 0x800..<0x1_0000:
                    bytes.append(UInt8(0xE0 | (v >> 12)))
                    bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                    bytes.append(UInt8(0x80 | (v & 0x3F)))
                default:
                    bytes.append(UInt8(0xF0 | (v >> 18)))
                    bytes.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
                    bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                    bytes.append(UInt8(0x80 | (v & 0x3F)))
                }
            }
        }
    }
}
