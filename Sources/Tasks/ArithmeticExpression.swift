/// An expression like `12+34*5-6`: non-negative operands joined by `+`, `-`, `*`.
struct ArithmeticExpression: Sendable, Equatable {
    var operands: [Int]
    var operators: [Character]

    /// The prompt, e.g. `12+34*5-6=`.
    var prompt: String {
        var text = String(operands[0])
        for (op, value) in zip(operators, operands.dropFirst()) {
            text.append(op)
            text += String(value)
        }
        text.append("=")
        return text
    }

    /// The value with `*` before `+`/`-`, otherwise left to right. Deliberately
    /// plain Int arithmetic, independent of the digit-by-digit trace, so each can check the other.
    var value: Int {
        var total = 0
        var sign = 1
        var term = operands[0]
        for (op, next) in zip(operators, operands.dropFirst()) {
            if op == "*" {
                term *= next
            } else {
                total += sign * term
                sign = op == "+" ? 1 : -1
                term = next
            }
        }
        return total + sign * term
    }

    /// Draws an expression as `config` describes (config must be valid).
    static func random(_ config: ArithmeticConfig, using rng: inout SplitMix64) -> ArithmeticExpression {
        let symbols = Array(config.operators)
        let count = rng.next(in: config.minOperands...config.maxOperands)
        var operands = [randomNumber(digits: rng.next(in: config.minDigits...config.maxDigits), using: &rng)]
        var operators: [Character] = []
        for _ in 1..<count {
            let op = symbols[Int(rng.next(below: UInt64(symbols.count)))]
            let digits = op == "*" ? config.multiplierDigits : config.minDigits...config.maxDigits
            operators.append(op)
            operands.append(randomNumber(digits: rng.next(in: digits), using: &rng))
        }
        return ArithmeticExpression(operands: operands, operators: operators)
    }

    /// A number with exactly `digits` digits; one digit includes 0.
    private static func randomNumber(digits: Int, using rng: inout SplitMix64) -> Int {
        if digits == 1 { return rng.next(in: 0...9) }
        var low = 1
        for _ in 1..<digits { low *= 10 }
        return rng.next(in: low...(10 * low - 1))
    }
}
