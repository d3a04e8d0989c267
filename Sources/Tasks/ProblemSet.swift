/// Where a run's problems come from: a training stream addressed by index and a fixed
/// held-out split it never trains on. The built-in generator (`ArithmeticTask`) and a
/// pair of JSONL files (`FileTask`) are the two kinds.
public protocol ProblemSet: Sendable {
    /// The fixed held-out split, ids 0..<count.
    var heldOut: [Problem] { get }
    /// Training problem number `index` (any Int ≥ 0): the same for the same index, so a
    /// run resumes or shards without storing data. Never a held-out prompt.
    func trainProblem(at index: Int) -> Problem
    /// The longest `prompt + completion` in tokens (without BOS/EOS) a supervised run sees.
    func maxSequenceLength(tokenizer: Tokenizer) -> Int
}

extension ArithmeticTask: ProblemSet {}
