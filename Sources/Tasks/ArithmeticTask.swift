/// The built-in task: expressions over `+`, `-`, `*` with a ground-truth
/// answer and a worked trace (see `ArithmeticTrace`).
///
/// Training problems are a pure function of (seed, index), so a run can resume
/// or shard without storing data. The held-out split comes from a separate
/// random stream and its prompts are never produced as training problems.
public struct ArithmeticTask: Sendable {
    public let config: ArithmeticConfig
    /// The fixed held-out split: `config.heldOutSize` distinct problems, ids 0..<heldOutSize.
    public let heldOut: [Problem]
    private let heldOutPrompts: Set<String>

    // Stream tags mixed into the seed so training and held-out draws are unrelated.
    private static let trainStream: UInt64 = 0x7472_6169_6E00_0001
    private static let heldOutStream: UInt64 = 0x6865_6C64_6F75_7402

    /// Validates `config` and draws the held-out split.
    public init(config: ArithmeticConfig = ArithmeticConfig()) throws {
        try config.validate()
        self.config = config
        var rng = SplitMix64(seed: SplitMix64.mix(config.seed ^ ArithmeticTask.heldOutStream))
        var seen = Set<String>()
        var held: [Problem] = []
        // validate() guarantees twice as many distinct problems exist, but draws are
        // not uniform over them, so bound the search rather than trust luck.
        var draws = 0
        let maxDraws = 1000 * config.heldOutSize + 100_000
        while held.count < config.heldOutSize {
            guard draws < maxDraws else {
                throw ArithmeticConfigError(
                    field: "held_out_size",
                    message: "is too large for this config: found only \(held.count) distinct problems in \(draws) draws, got \(config.heldOutSize)")
            }
            draws += 1
            let expression = ArithmeticExpression.random(config, using: &rng)
            let prompt = expression.prompt
            if seen.insert(prompt).inserted {
                held.append(ArithmeticTask.problem(expression, id: held.count))
            }
        }
        heldOut = held
        heldOutPrompts = seen
    }

    /// Training problem number `index` (any Int), the same for the same seed and
    /// index. Never one of the held-out prompts; different indices may repeat.
    public func trainProblem(at index: Int) -> Problem {
        let indexSeed = SplitMix64.mix(config.seed ^ ArithmeticTask.trainStream) ^ UInt64(bitPattern: Int64(index))
        var rng = SplitMix64(seed: SplitMix64.mix(indexSeed))
        // Redraw from the same per-index stream until off the held-out set; at
        // least half of all problems are trainable, so this ends quickly.
        while true {
            let expression = ArithmeticExpression.random(config, using: &rng)
            if !heldOutPrompts.contains(expression.prompt) {
                return ArithmeticTask.problem(expression, id: index)
            }
        }
    }

    /// The longest `prompt + completion` in tokens (without BOS/EOS) over the
    /// held-out split, the first 2000 training problems, and hand-built extremes
    /// (all-nines operands, and a tiny first operand so results turn negative),
    /// which are the longest traces of each operator pattern.
    public func maxSequenceLength(tokenizer: Tokenizer) -> Int {
        let sample = heldOut + (0..<2000).map(trainProblem(at:)) + extremes()
        return sample.map { tokenizer.encode($0.prompt + ($0.completion ?? "")).count }.max() ?? 0
    }

    /// Problem for `expression`: the answer from plain Int arithmetic, the
    /// completion from the digit-by-digit trace.
    static func problem(_ expression: ArithmeticExpression, id: Int) -> Problem {
        let answer = String(expression.value)
        let (steps, _) = ArithmeticTrace.solve(
            operands: expression.operands.map { String($0) }, operators: expression.operators)
        return Problem(id: id, prompt: expression.prompt, answer: answer,
                       completion: "<think>\(steps)</think><answer>\(answer)</answer>")
    }

    /// For every operand count and operator sequence: all operands at their
    /// largest (all nines), and the same with the smallest first operand.
    func extremes() -> [Problem] {
        let symbols = Array(config.operators)
        func nines(_ digits: Int) -> Int { Int(String(repeating: "9", count: digits))! }
        let smallest = config.minDigits == 1 ? 0 : Int("1" + String(repeating: "0", count: config.minDigits - 1))!
        var out: [Problem] = []
        for count in config.minOperands...config.maxOperands {
            var sequences: [[Character]] = [[]]
            for _ in 1..<count { sequences = sequences.flatMap { s in symbols.map { s + [$0] } } }
            for ops in sequences {
                var operands = [nines(config.maxDigits)]
                for op in ops { operands.append(nines(op == "*" ? config.multiplierDigits.upperBound : config.maxDigits)) }
                out.append(ArithmeticTask.problem(ArithmeticExpression(operands: operands, operators: ops), id: -1))
                operands[0] = smallest
                out.append(ArithmeticTask.problem(ArithmeticExpression(operands: operands, operators: ops), id: -1))
            }
        }
        return out
    }
}
