/// Completion tokens of a training batch, flattened over [rows, T] positions.
///
/// Position (r, t) predicts `targets[r·T + t]` from the logits row r·T + t. Only
/// completion tokens carry a loss: `sequence[p]` is the row's index for those,
/// −1 elsewhere (prompt, padding).
public struct TokenBatch: Sendable {
    public var rows: Int
    public var T: Int
    public var tokens: [Int32]
    public var targets: [Int32]
    /// Row index of each position's completion, −1 where there is no loss.
    public var sequence: [Int32]
    /// Behaviour log-probs (π_old) per position, 0 outside completions.
    public var oldLogprobs: [Float]
    /// Reference policy log-probs per position (given per row, or 0: the KL term then reads them only when β > 0).
    public var refLogprobs: [Float]
    /// Completion length of each row.
    public var lengths: [Int]
    /// Rows and completion tokens of the whole update, which the losses divide by: this
    /// batch's own unless it is one micro-batch of a larger update.
    public var updateRows: Int
    public var updateTokens: Int

    public init(prompts: [[Int32]], completions: [[Int32]], behaviourLogprobs: [[Float]], referenceLogprobs: [[Float]]? = nil,
                length T: Int, pad: Int32) {
        rows = completions.count
        self.T = T
        let n = rows * T
        tokens = [Int32](repeating: pad, count: n)
        targets = [Int32](repeating: -1, count: n)
        sequence = [Int32](repeating: -1, count: n)
        oldLogprobs = [Float](repeating: 0, count: n)
        refLogprobs = [Float](repeating: 0, count: n)
        lengths = []
        for r in 0..<rows {
            let full = prompts[r] + completions[r]
            let p = prompts[r].count
            for t in 0..<min(full.count - 1, T) {
                tokens[r * T + t] = full[t]
                if t + 1 >= p {
                    targets[r * T + t] = full[t + 1]
                    sequence[r * T + t] = Int32(r)
                    oldLogprobs[r * T + t] = behaviourLogprobs[r][t + 1 - p]
                    if let ref = referenceLogprobs { refLogprobs[r * T + t] = ref[r][t + 1 - p] }
                }
            }
            lengths.append(completions[r].count)
        }
        updateRows = rows
        updateTokens = lengths.reduce(0, +)
    }
}
