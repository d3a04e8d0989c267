import Kernels

/// Completion tokens of a training batch, packed without padding (`PackedRows`: rows with
/// the same prompt share it).
///
/// Position p predicts `targets[p]` from logits row p. Only completion tokens carry a loss:
/// `sequence[p]` is the row's index for those, −1 elsewhere (a shared prompt).
public struct TokenBatch: Sendable {
    public var rows: Int
    /// Which positions attend to which: the forward pass's shape.
    public var layout: AttentionLayout
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

    public var positions: Int { layout.positions }

    /// Rows of prompt + completion; a row longer than `contextLength` positions keeps its
    /// first ones (the tokens past the context carry no loss).
    public init(prompts: [[Int32]], completions: [[Int32]], behaviourLogprobs: [[Float]], referenceLogprobs: [[Float]]? = nil,
                contextLength: Int) {
        let packed = PackedRows(prompts: prompts, completions: completions, contextLength: contextLength)
        rows = completions.count
        lengths = completions.map(\.count)
        layout = packed.layout
        tokens = packed.tokens
        targets = packed.targets
        sequence = packed.row
        // Per position, its row's k-th log-prob (0 in a shared prefix).
        func spread(_ perRow: [[Float]]) -> [Float] {
            zip(packed.row, packed.index).map { r, k in r < 0 ? 0 : perRow[Int(r)][Int(k)] }
        }
        oldLogprobs = spread(behaviourLogprobs)
        refLogprobs = referenceLogprobs.map(spread) ?? Array(repeating: 0, count: packed.layout.positions)
        updateRows = rows
        updateTokens = lengths.reduce(0, +)
    }
}
