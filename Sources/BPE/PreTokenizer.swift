/// One step of a `tokenizer.json` pre-tokenizer pipeline. Each refines every piece the
/// steps before it made; pieces never cross, and empty ones are dropped (as `tokenizers` does).
enum PreTokenizerStep: Sendable, Equatable {
    /// `Digits`: each digit (\p{N}) on its own (`individual_digits`), or runs of digits together.
    case digits(individual: Bool)
    /// `Split` with one of our patterns and behaviour `Isolated`: every match is a piece.
    case split(SplitPattern)
    /// `ByteLevel`: a leading space added to pieces that lack one (`add_prefix_space`), then
    /// GPT-2's split (`use_regex`). Its byte mapping is applied by the model, on bytes.
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
}

/// A pre-tokenizer pipeline: text in, the pieces the BPE model encodes one at a time out.
struct PreTokenizer: Sendable, Equatable {
    let steps: [PreTokenizerStep]

    /// The pieces of `text[range]`. The buffer comes back changed when `add_prefix_space`
    /// inserted spaces; the pieces index into the buffer returned.
    func split(_ text: TextBuffer, _ range: Range<Int>) -> (TextBuffer, [Range<Int>]) {
        var buffer = text
        var pieces = range.isEmpty ? [] : [range]
        for step in steps {
            switch step {
            case .digits(let individual):
                pieces = refine(pieces) { Self.splitDigits(buffer, $0, individual: individual, into: &$1) }
            case .split(let pattern):
                pieces = refine(pieces) { pattern.split(buffer, $0, into: &$1) }
            case .byteLevel(let addPrefixSpace, let useRegex):
                if addPrefixSpace { (buffer, pieces) = Self.prefixSpaces(buffer, pieces) }
                if useRegex { pieces = refine(pieces) { SplitPattern.gpt2.split(buffer, $0, into: &$1) } }
            }
        }
        return (buffer, pieces)
    }

    private func refine(_ pieces: [Range<Int>], _ body: (Range<Int>, inout [Range<Int>]) -> Void) -> [Range<Int>] {
        var out: [Range<Int>] = []
        out.reserveCapacity(pieces.count * 2)
        for piece in pieces { body(piece, &out) }
        return out.filter { !$0.isEmpty }
    }

    /// `Digits`: `\p{N}` scalars isolated one by one, or in contiguous runs; the rest between them.
    private static func splitDigits(_ text: TextBuffer, _ range: Range<Int>, individual: Bool,
                                    into out: inout [Range<Int>]) {
        var start = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            guard ScalarClass.isNumericForDigits(text.scalars[i], class: text.classes[i]) else {
                i += 1
                continue
            }
            if start < i { out.append(start..<i) }
            var end = i + 1
            if !individual {
                while end < range.upperBound && ScalarClass.isNumericForDigits(text.scalars[end], class: text.classes[end]) {
                    end += 1
                }
            }
            out.append(i..<end)
            start = end
            i = end
        }
        if start < range.upperBound { out.append(start..<range.upperBound) }
    }

    /// A space in front of every piece that does not start with one, in a new buffer.
    private static func prefixSpaces(_ text: TextBuffer, _ pieces: [Range<Int>]) -> (TextBuffer, [Range<Int>]) {
        if pieces.allSatisfy({ text.scalars[$0.lowerBound] == 0x20 }) { return (text, pieces) }
        var scalars: [UInt32] = []
        var classes: [UInt8] = []
        scalars.reserveCapacity(text.count + pieces.count)
        classes.reserveCapacity(text.count + pieces.count)
        var out: [Range<Int>] = []
        out.reserveCapacity(pieces.count)
        for piece in pieces {
            let start = scalars.count
            if text.scalars[piece.lowerBound] != 0x20 {
                scalars.append(0x20)
                classes.append(ScalarClass.whitespace)
            }
            scalars.append(contentsOf: text.scalars[piece])
            classes.append(contentsOf: text.classes[piece])
            out.append(start..<scalars.count)
        }
        var buffer = text
        buffer.scalars = scalars
        buffer.classes = classes
        return (buffer, out)
    }
}
