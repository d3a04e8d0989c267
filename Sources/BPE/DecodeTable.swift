/// Every id's token spelling and the bytes it decodes to, laid out flat for `decode`
/// (an id without a token is skipped, as `tokenizers` skips it).
///
/// As `tokenizers` decodes: an added token is its content (its normalized form when it is
/// matched normalized), otherwise the vocabulary entry; the ByteLevel decoder turns a token
/// whose every character is in GPT-2's byte alphabet into those bytes and any other token
/// into its UTF-8. A token is special when its text is a special added token's.
struct DecodeTable: Sendable {
    private var bytes: [UInt8] = []
    /// `bytes[offsets[id]..<offsets[id + 1]]` are id's bytes.
    private var offsets: [Int32]
    private var tokens: [String?]
    private var special: [Bool]

    init(vocab: [String: Int32], added: [AddedToken], normalizer: Normalizer, size: Int) {
        var tokens = [String?](repeating: nil, count: size)
        for (token, id) in vocab { tokens[Int(id)] = token }
        // What the decoder sees: an added token's normalized form when it is matched normalized.
        var decoded = tokens
        for token in added {
            tokens[Int(token.id)] = token.content
            decoded[Int(token.id)] = token.normalized ? normalizer.apply(token.content) : token.content
        }
        let specialTexts = Set(added.filter(\.special).map(\.content))
        var special = [Bool](repeating: false, count: size)
        var offsets = [Int32](repeating: 0, count: size + 1)
        var bytes: [UInt8] = []
        for id in 0..<size {
            if let token = decoded[id] {
                bytes += ByteLevelAlphabet.bytes(of: token) ?? Array(token.utf8)
                special[id] = specialTexts.contains(token)
            }
            offsets[id + 1] = Int32(bytes.count)
        }
        self.bytes = bytes
        self.offsets = offsets
        self.tokens = tokens
        self.special = special
    }

    func token(_ id: Int32) -> String? {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil
    }

    func isSpecial(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < special.count && special[Int(id)]
    }

    /// Appends `id`'s bytes; an id without a token adds nothing.
    func appendBytes(_ id: Int32, to out: inout [UInt8]) {
        guard id >= 0 && Int(id) < tokens.count else { return }
        out += bytes[Int(offsets[Int(id)])..<Int(offsets[Int(id) + 1])]
    }
}
