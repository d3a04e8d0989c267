/// Difficulty and split of the built-in arithmetic task.
public struct ArithmeticConfig: Codable, Sendable, Equatable {
    /// Digits of each operand, drawn uniformly in minDigits...maxDigits.
    public var minDigits = 1
    public var maxDigits = 3
    public var minOperands = 2
    public var maxOperands = 2
    /// Which of `+`, `-`, `*` appear.
    public var operators = "+-*"
    /// The right operand of `*` has at most this many digits (keeps traces short).
    public var maxMultiplierDigits = 1
    /// Size of the fixed held-out split that training never sees.
    public var heldOutSize = 500
    public var seed: UInt64 = 1234

    public init() {}

    public func validate() throws {
        func bad(_ f: String, _ why: String) -> TaskError { .invalidConfig("task.\(f) \(why)") }
        guard (1...9).contains(minDigits) else { throw bad("min_digits", "must be in 1...9, got \(minDigits)") }
        guard (minDigits...9).contains(maxDigits) else { throw bad("max_digits", "must be in \(minDigits)...9, got \(maxDigits)") }
        guard (2...4).contains(minOperands) else { throw bad("min_operands", "must be in 2...4, got \(minOperands)") }
        guard (minOperands...4).contains(maxOperands) else {
            throw bad("max_operands", "must be in \(minOperands)...4, got \(maxOperands)")
        }
        guard !operators.isEmpty, operators.allSatisfy({ "+-*".contains($0) }) else {
            throw bad("operators", "must be a non-empty subset of \"+-*\", got \"\(operators)\"")
        }
        guard (1...9).contains(maxMultiplierDigits) else {
            throw bad("max_multiplier_digits", "must be in 1...9, got \(maxMultiplierDigits)")
        }
        guard heldOutSize >= 1 else { throw bad("held_out_size", "must be ≥ 1, got \(heldOutSize)") }
    }
}

public enum TaskError: Error, CustomStringConvertible {
    case invalidConfig(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid task config: \(m)"
        case .malformed(let m): return m
        }
    }
}
