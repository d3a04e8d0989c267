/// The built-in task: arithmetic expressions with `+`, `-`, `*`, each with a
/// ground-truth answer and a worked trace. Problems are a pure function of
/// (seed, index), and a fixed held-out split is excluded from training.
public struct ArithmeticTask: Sendable {
    public let config: ArithmeticConfig
    public let heldOut: [Problem]
    private let heldOutPrompts: Set<String>

    public init(config: ArithmeticConfig = ArithmeticConfig()) throws {
        try config.validate()
        self.config = config
        var seen = Set<String>()
        var held: [Problem] = []
        var i = 0
        // The held-out stream uses its own seed; small digit settings may have fewer distinct problems.
        while held.count < config.heldOutSize && i < config.heldOutSize * 20 {
            let p = ArithmeticTask.make(config, seed: config.seed ^ 0x5EED_0F_4E1D_0017, index: i, id: held.count)
            if seen.insert(p.prompt).inserted { held.append(p) }
            i += 1
        }
        heldOut = held
        heldOutPrompts = seen
    }

    /// Training problem number `index` (never one of the held-out prompts).
    public func trainProblem(at index: Int) -> Problem {
        var attempt = 0
        while true {
            let p = ArithmeticTask.make(config, seed: config.seed &+ UInt64(attempt) &* 0x9E37_79B9, index: index, id: index)
            if !heldOutPrompts.contains(p.prompt) || attempt > 1000 { return p }
            attempt += 1
        }
    }

    /// Longest `prompt + completion` in tokens over the held-out split and a training sample.
    public func maxSequenceLength(tokenizer: Tokenizer) -> Int {
        let sample = heldOut + (0..<2000).map { trainProblem(at: $0) } + [ArithmeticTask.worstCase(config)]
        return sample.map { tokenizer.encode($0.prompt).count + tokenizer.encode($0.completion ?? "").count }.max() ?? 0
    }

    static func make(_ c: ArithmeticConfig, seed: UInt64, index: Int, id: Int) -> Problem {
        var rng = SplitMix64(seed: seed &+ UInt64(index) &* 0xD134_2543_DE82_EF95)
        let ops = Array(c.operators)
        let count = c.minOperands + rng.below(c.maxOperands - c.minOperands + 1)
        var operators: [Character] = []
        var operands: [Int] = []
        for k in 0..<count {
            if k > 0 { operators.append(ops[rng.below(ops.count)]) }
            let maxD = (k > 0 && operators[k - 1] == "*") ? min(c.maxDigits, c.maxMultiplierDigits) : c.maxDigits
            let d = min(c.minDigits, maxD) + rng.below(maxD - min(c.minDigits, maxD) + 1)
            operands.append(rng.number(digits: d))
        }
        return build(operands, operators, id: id)
    }

    /// The longest-trace problem of this config: all-9 operands with the costliest operator.
    static func worstCase(_ c: ArithmeticConfig) -> Problem {
        let big = Int(String(repeating: "9", count: c.maxDigits))!
        let op: Character = c.operators.contains("*") ? "*" : c.operators.contains("-") ? "-" : "+"
        let mult = Int(String(repeating: "9", count: min(c.maxDigits, c.maxMultiplierDigits)))!
        var operands = [big], operators: [Character] = []
        for _ in 1..<c.maxOperands {
            operators.append(op)
            operands.append(op == "*" ? mult : big)
        }
        return build(operands, operators, id: -1)
    }

    static func build(_ operands: [Int], _ operators: [Character], id: Int) -> Problem {
        var prompt = String(operands[0])
        for (o, n) in zip(operators, operands.dropFirst()) { prompt += "\(o)\(n)" }
        prompt += "="
        // Multiplications first, then left to right; each step in the trace.
        var values = operands, ops = operators, steps: [String] = []
        while let i = ops.firstIndex(of: "*") {
            steps.append(Trace.step(values[i], "*", values[i + 1]))
            values[i] = values[i] * values[i + 1]
            values.remove(at: i + 1)
            ops.remove(at: i)
        }
        while !ops.isEmpty {
            steps.append(Trace.step(values[0], ops[0], values[1]))
            values[0] = ops[0] == "+" ? values[0] + values[1] : values[0] - values[1]
            values.remove(at: 1)
            ops.remove(at: 0)
        }
        let answer = String(values[0])
        return Problem(id: id, prompt: prompt, answer: answer,
                       completion: "<think>\(steps.joined(separator: ";"))</think><answer>\(answer)</answer>")
    }
}

/// Tiny seeded generator for problem sampling (independent of the model's RNG).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    /// A number with exactly `digits` digits (0…9 for one digit).
    mutating func number(digits: Int) -> Int {
        if digits == 1 { return below(10) }
        var lo = 1
        for _ in 1..<digits { lo *= 10 }
        return lo + below(9 * lo)
    }
}
