/// The split regexes this module implements, by hand over Unicode scalars: each is recognised
/// by its exact text in `tokenizer.json`, and matched the way Oniguruma (which `tokenizers`
/// uses) matches it: at each position the first alternative that matches, greedy, with
/// backtracking. Every position matches some alternative, so the pieces cover the text.
enum SplitPattern: Sendable, Equatable {
    /// GPT-2's, which `ByteLevel(use_regex: true)` applies (SmolLM2, GPT-2).
    case gpt2
    /// Qwen2's: case-insensitive contractions, a letter run with one optional leading
    /// non-letter, numbers one digit at a time, newlines kept with what precedes them.
    case qwen2
    /// Llama 3's: Qwen2's with up to three digits per piece.
    case llama3

    static let gpt2Regex = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let qwen2Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let llama3Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The pattern whose regex text is `regex`, or nil for one this module does not implement.
    init?(regex: String) {
        switch regex {
        case SplitPattern.gpt2Regex: self = .gpt2
        case SplitPattern.qwen2Regex: self = .qwen2
        case SplitPattern.llama3Regex: self = .llama3
        default: return nil
        }
    }

    /// Appends the pieces of `text[range]` to `out`, in order; they cover the range exactly.
    /// The range is matched as a string of its own: its end is the end of input.
    func split(_ text: TextBuffer, _ range: Range<Int>, into out: inout [Range<Int>]) {
        text.scalars.withUnsafeBufferPointer { s in
            text.classes.withUnsafeBufferPointer { c in
                switch self {
                case .gpt2: SplitPattern.splitGPT2(s, c, range, &out)
                case .qwen2: SplitPattern.splitQwen2(s, c, range, maxDigits: 1, &out)
                case .llama3: SplitPattern.splitQwen2(s, c, range, maxDigits: 3, &out)
                }
            }
        }
    }

    private static let apostrophe: UInt32 = 0x27
    private static let space: UInt32 = 0x20
    private static let other: UInt8 = 0

    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    private static func splitGPT2(_ s: UnsafeBufferPointer<UInt32>, _ c: UnsafeBufferPointer<UInt8>,
                                  _ range: Range<Int>, _ out: inout [Range<Int>]) {
        let hi = range.upperBound
        var i = range.lowerBound
        while i < hi {
            var end = 0
            if s[i] == apostrophe { end = i + contractionLength(s, i, hi, ignoringCase: false) }
            if end <= i {
                // ` ?X+`: a space belongs to the run after it unless that is whitespace.
                let j = (s[i] == space && i + 1 < hi && c[i + 1] != ScalarClass.whitespace) ? i + 1 : i
                let k = c[j]
                if k == ScalarClass.whitespace {
                    end = whitespaceEnd(c, i, hi)
                } else {
                    end = run(c, j, hi, k)
                }
            }
            out.append(i..<end)
            i = end
        }
    }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    private static func splitQwen2(_ s: UnsafeBufferPointer<UInt32>, _ c: UnsafeBufferPointer<UInt8>,
                                   _ range: Range<Int>, maxDigits: Int, _ out: inout [Range<Int>]) {
        let hi = range.upperBound
        var i = range.lowerBound
        while i < hi {
            let x = s[i], k = c[i]
            var end = 0
            if x == apostrophe { end = i + contractionLength(s, i, hi, ignoringCase: true) }
            if end > i {
                // a contraction
            } else if k != ScalarClass.letter && k != ScalarClass.number && !isNewline(x) && i + 1 < hi
                        && c[i + 1] == ScalarClass.letter {
                // One non-letter (space, tab, punctuation, mark…) leading a letter run.
                end = run(c, i + 1, hi, ScalarClass.letter)
            } else if k == ScalarClass.letter {
                end = run(c, i, hi, ScalarClass.letter)
            } else if k == ScalarClass.number {
                end = min(run(c, i, hi, ScalarClass.number), i + maxDigits)
            } else {
                let j = (x == space && i + 1 < hi && c[i + 1] == other) ? i + 1 : i
                if c[j] == other {
                    // Punctuation (after an optional space), then any newlines.
                    end = run(c, j, hi, other)
                    while end < hi && isNewline(s[end]) { end += 1 }
                } else {
                    // Whitespace: up to the last newline of the run (`\s*[\r\n]+`), else as GPT-2.
                    let wsEnd = run(c, i, hi, ScalarClass.whitespace)
                    var p = wsEnd - 1
                    while p >= i && !isNewline(s[p]) { p -= 1 }
                    end = p >= i ? p + 1 : whitespaceEnd(c, i, hi)
                }
            }
            out.append(i..<end)
            i = end
        }
    }

    @inline(__always)
    private static func isNewline(_ v: UInt32) -> Bool { v == 0x0A || v == 0x0D }

    /// The end of the run of class `k` starting at `from`.
    @inline(__always)
    private static func run(_ c: UnsafeBufferPointer<UInt8>, _ from: Int, _ hi: Int, _ k: UInt8) -> Int {
        var p = from
        while p < hi && c[p] == k { p += 1 }
        return p
    }

    /// `\s+(?!\S)|\s+` at `i`: the whole whitespace run at the end of input; otherwise all of it
    /// but its last character, which goes with the word after it (a run of one stays whole).
    @inline(__always)
    private static func whitespaceEnd(_ c: UnsafeBufferPointer<UInt8>, _ i: Int, _ hi: Int) -> Int {
        let k = run(c, i, hi, ScalarClass.whitespace)
        if k == hi || k - i < 2 { return k }
        return k - 1
    }

    /// The length of the contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at the
    /// apostrophe `s[i]`, or 0. Case-insensitive matching folds as Oniguruma does: ASCII case,
    /// and the long s (ſ, U+017F) is an s.
    @inline(__always)
    private static func contractionLength(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, _ hi: Int,
                                          ignoringCase: Bool) -> Int {
        guard i + 1 < hi else { return 0 }
        func fold(_ v: UInt32) -> UInt32 {
            guard ignoringCase else { return v }
            if v >= 0x41 && v <= 0x5A { return v + 0x20 }
            return v == 0x17F ? 0x73 : v
        }
        switch fold(s[i + 1]) {
        case 0x73, 0x74, 0x6D, 0x64:  // s t m d
            return 2
        case 0x72, 0x76:  // r v, then e
            return i + 2 < hi && fold(s[i + 2]) == 0x65 ? 3 : 0
        case 0x6C:  // l, then l
            return i + 2 < hi && fold(s[i + 2]) == 0x6C ? 3 : 0
        default:
            return 0
        }
    }
}
