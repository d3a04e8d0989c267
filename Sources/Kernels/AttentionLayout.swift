/// Which earlier positions each position of a forward pass attends to.
///
/// A batch is a list of spans laid end to end, with no padding. A span is a prefix, held
/// once, followed by its branches: rows that continue the prefix, each attending to all of
/// the prefix and to its own earlier positions (never to another branch). An RL group is one
/// span: its prompt once and its G completions after it. A dense batch of B rows of T
/// tokens is B spans of a T-long prefix and no branches.
///
/// Attention weights are saved per span and head: the prefix's P × P block, then each
/// branch's L × (P + L) block, whose first P columns are the prefix.
public struct AttentionLayout: Equatable, Sendable {
    public struct Span: Equatable, Sendable {
        /// The span's first position in the batch.
        public let start: Int
        /// Length of the shared prefix.
        public let prefix: Int
        /// Lengths of the branches, laid out after the prefix in this order.
        public let branches: [Int]
        /// Floats of one head's attention weights for this span.
        public let weights: Int
        /// Where this span's weights begin, in floats of one head (a layer holds heads × that).
        public let weightOffset: Int

        public var positions: Int { prefix + branches.reduce(0, +) }
    }

    public let spans: [Span]
    /// Positions of the whole batch.
    public let positions: Int
    /// Floats of one head's attention weights over the whole batch.
    public let weightsPerHead: Int
    /// The longest row (prefix and one branch): what must fit the context.
    public let longestRow: Int

    /// Spans laid out in order, each given by its prefix length and its branches' lengths.
    public init(spans lengths: [(prefix: Int, branches: [Int])]) {
        var spans: [Span] = [], start = 0, offset = 0, longest = 0
        for (p, branches) in lengths {
            precondition(p >= 0 && branches.allSatisfy { $0 >= 0 }, "lengths are never negative")
            let weights = p * p + branches.reduce(0) { $0 + $1 * (p + $1) }
            let span = Span(start: start, prefix: p, branches: branches, weights: weights, weightOffset: offset)
            spans.append(span)
            start += span.positions
            offset += weights
            longest = max(longest, p + (branches.max() ?? 0))
        }
        self.spans = spans
        positions = start
        weightsPerHead = offset
        longestRow = longest
    }

    /// B rows of T tokens, each on its own.
    public static func dense(rows B: Int, length T: Int) -> AttentionLayout {
        AttentionLayout(spans: Array(repeating: (prefix: T, branches: []), count: B))
    }

    /// Each position's index within its row: what the position embedding reads.
    public func positionIndices() -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(positions)
        for s in spans {
            out += (0..<s.prefix).map { Int32($0) }
            for length in s.branches { out += (s.prefix..<(s.prefix + length)).map { Int32($0) } }
        }
        return out
    }
}
