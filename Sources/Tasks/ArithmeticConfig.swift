/// Difficulty and split of the built-in arithmetic task.
///
/// Decoding fills missing keys with the defaults, so a config file only needs
/// the fields it changes.
public struct ArithmeticConfig: Codable, Sendable, Equatable {
    /// Each operand has between `minDigits` and `maxDigits` digits (count drawn uniformly).
    public var minDigits: Int
    public var maxDigits: Int
    /// Operands per expression, drawn uniformly in `minOperands...maxOperands`.
    public var minOperands: Int
    public var maxOperands: Int
    /// Which of `+`, `-`, `*` may appear, e.g. `"+-"`.
    public var operators: String
    /// The right operand of `*` has at most this many digits; one digit keeps
    /// traces short (no partial products).
    public var maxMultiplierDigits: Int
    /// Size of the fixed held-out split that training never sees.
    public var heldOutSize: Int
    /// Seeds both the training stream and the held-out split.
    public var seed: UInt64

    public init(
        minDigits: Int = 1, maxDigits: Int = 3, minOperands: Int = 2, maxOperands: Int = 2,
        operators: String = "+-*", maxMultiplierDigits: Int = 1, heldOutSize: Int = 500, seed: UInt64 = 1234
    ) {
        self.minDigits = minDigits
        self.maxDigits = maxDigits
        self.minOperands = minOperands
        self.maxOperands = maxOperands
        self.operators = operators
        self.maxMultiplierDigits = maxMultiplierDigits
        self.heldOutSize = heldOutSize
        self.seed = seed
    }

    private enum CodingKeys: String, CodingKey {
        case minDigits, maxDigits, minOperands, maxOperands, operators, maxMultiplierDigits, heldOutSize, seed
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ArithmeticConfig()
        minDigits = try c.decodeIfPresent(Int.self, forKey: .minDigits) ?? d.minDigits
        maxDigits = try c.decodeIfPresent(Int.self, forKey: .maxDigits) ?? d.maxDigits
        minOperands = try c.decodeIfPresent(Int.self, forKey: .minOperands) ?? d.minOperands
        maxOperands = try c.decodeIfPresent(Int.self, forKey: .maxOperands) ?? d.maxOperands
        operators = try c.decodeIfPresent(String.self, forKey: .operators) ?? d.operators
        maxMultiplierDigits = try c.decodeIfPresent(Int.self, forKey: .maxMultiplierDigits) ?? d.maxMultiplierDigits
        heldOutSize = try c.decodeIfPresent(Int.self, forKey: .heldOutSize) ?? d.heldOutSize
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    }

    /// Checks every field, throwing an `ArithmeticConfigError` that names the
    /// bad field and its valid range.
    public func validate() throws {
        func bad(_ field: String, _ range: String, _ value: Any) -> ArithmeticConfigError {
            ArithmeticConfigError(field: field, message: "must be \(range), got \(value)")
        }
        guard (1...9).contains(minDigits) else { throw bad("min_digits", "in 1...9", minDigits) }
        guard (minDigits...9).contains(maxDigits) else { throw bad("max_digits", "in \(minDigits)...9", maxDigits) }
        guard (2...4).contains(minOperands) else { throw bad("min_operands", "in 2...4", minOperands) }
        guard (minOperands...4).contains(maxOperands) else {
            throw bad("max_operands", "in \(minOperands)...4", maxOperands)
        }
        let symbols = Array(operators)
        guard !symbols.isEmpty, symbols.allSatisfy({ "+-*".contains($0) }), Set(symbols).count == symbols.count else {
            throw bad("operators", "a non-empty subset of \"+-*\" without repeats", "\"\(operators)\"")
        }
        guard (1...9).contains(maxMultiplierDigits) else {
            throw bad("max_multiplier_digits", "in 1...9", maxMultiplierDigits)
        }
        // Answers are computed with Int: a chain of products must stay below 10^18.
        if symbols.contains("*") && maxDigits + (maxOperands - 1) * multiplierDigits.upperBound > 18 {
            let limit = (18 - maxDigits) / (maxOperands - 1)
            throw bad("max_multiplier_digits",
                      "at most \(limit) with max_digits = \(maxDigits) and max_operands = \(maxOperands) (products must stay below 10^18)",
                      maxMultiplierDigits)
        }
        guard heldOutSize >= 1 else { throw bad("held_out_size", "at least 1", heldOutSize) }
        // Training rejects held-out prompts, so at least half the problems must stay trainable.
        let problems = distinctProblemCount
        if Double(heldOutSize) > problems / 2 {
            throw bad("held_out_size",
                      "in 1...\(Int(problems / 2)) (this config has only \(Int(min(problems, 9e18))) distinct problems and training needs the rest)",
                      heldOutSize)
        }
    }

    /// Digit counts of the right operand of `*`.
    var multiplierDigits: ClosedRange<Int> {
        min(minDigits, maxMultiplierDigits)...min(maxDigits, maxMultiplierDigits)
    }

    /// How many distinct prompts this config can generate (as a Double: it can be huge).
    var distinctProblemCount: Double {
        func numbers(_ digits: ClosedRange<Int>) -> Double {
            digits.reduce(0.0) { total, d in total + (d == 1 ? 10 : 9 * pow10(d - 1)) }
        }
        let plain = numbers(minDigits...maxDigits)
        let multipliers = numbers(multiplierDigits)
        // Each further operand contributes (its operator choice × its value choice).
        let perStep = Set(operators).reduce(0.0) { total, op in total + (op == "*" ? multipliers : plain) }
        return (minOperands...maxOperands).reduce(0.0) { total, n in
            total + plain * (0..<(n - 1)).reduce(1.0) { product, _ in product * perStep }
        }
    }
}

private func pow10(_ n: Int) -> Double {
    (0..<n).reduce(1.0) { value, _ in value * 10 }
}
