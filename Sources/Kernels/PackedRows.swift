/// Rows of prompt + completion packed for one forward pass, without padding.
///
/// Consecutive rows with the same prompt share it: one span of `layout` holds the prompt
/// but its last token once, then each row's branch (the prompt's last token and the
/// completion but its last token, so branch position k predicts completion token k). A row
/// whose prompt differs from the one before starts a span of its own. A row longer than the
/// context keeps its first positions: the tokens past it are not predicted.
public struct PackedRows: Sendable {
    public let layout: AttentionLayout
    /// The input token at each position.
    public private(set) var tokens: [Int32] = []
    /// The completion token each position predicts; −1 in a shared prefix.
    public private(set) var targets: [Int32] = []
    /// The row whose completion token a position predicts; −1 in a shared prefix.
    public private(set) var row: [Int32] = []
    /// Which of its row's completion tokens a position predicts; −1 in a shared prefix.
    public private(set) var index: [Int32] = []

    public init(prompts: [[Int32]], completions: [[Int32]], contextLength: Int) {
        let spans = PackedRows.spans(prompts: prompts, completions: completions, contextLength: contextLength)
        layout = AttentionLayout(spans: spans.map { (prefix: $0.prefix, branches: $0.rows.map(\.length)) })
        for span in spans {
            let prompt = prompts[span.rows[0].row]
            tokens += prompt.prefix(span.prefix)
            let unpredicted = repeatElement(Int32(-1), count: span.prefix)
            targets += unpredicted
            row += unpredicted
            index += unpredicted
            for (r, length) in span.rows {
                tokens += (prompt.suffix(1) + completions[r]).prefix(length)
                targets += completions[r].prefix(length)
                row += repeatElement(Int32(r), count: length)
                index += (0..<Int32(length))
            }
        }
    }

    /// The positions `init` would lay out, without laying them out.
    public static func positions(prompts: [[Int32]], completions: [[Int32]], contextLength: Int) -> Int {
        spans(prompts: prompts, completions: completions, contextLength: contextLength)
            .reduce(0) { $0 + $1.prefix + $1.rows.reduce(0) { $0 + $1.length } }
    }

    /// Consecutive rows cut into batches of at most `positions` packed positions each (at least
    /// one row): a batch that starts inside a run of one prompt holds that prompt again.
    public static func batches(prompts: [[Int32]], completions: [[Int32]], contextLength: Int, positions limit: Int) -> [Range<Int>] {
        var cuts: [Range<Int>] = [], start = 0, used = 0
        for span in spans(prompts: prompts, completions: completions, contextLength: contextLength) {
            var prefixPaid = false
            for (r, length) in span.rows {
                let cost = length + (prefixPaid ? 0 : span.prefix)
                if r > start, used + cost > limit {
                    cuts.append(start..<r)
                    (start, used) = (r, length + span.prefix)
                } else {
                    used += cost
                }
                prefixPaid = true
            }
        }
        if start < completions.count { cuts.append(start..<completions.count) }
        return cuts
    }

    /// Runs of rows with the same prompt: its prefix length and each row's branch length.
    private static func spans(prompts: [[Int32]], completions: [[Int32]], contextLength: Int)
        -> [(prefix: Int, rows: [(row: Int, length: Int)])] {
        precondition(prompts.count == completions.count, "one prompt per completion")
        var spans: [(prefix: Int, rows: [(row: Int, length: Int)])] = []
        for r in completions.indices {
            precondition(!prompts[r].isEmpty, "a prompt holds at least its first token")
            let prefix = min(prompts[r].count - 1, contextLength)
            let length = max(0, min(completions[r].count, contextLength - prefix))
            if let last = spans.last, prompts[last.rows[0].row] == prompts[r] {
                spans[spans.count - 1].rows.append((r, length))
            } else {
                spans.append((prefix, [(r, length)]))
            }
        }
        return spans
    }
}
