// Helpers shared by the Tasks tests, written independently of the module's code.

/// A small xorshift generator so the tests' random inputs don't depend on the
/// generator under test.
struct TestRNG {
    var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x1234_5678 : seed }

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Evaluates `12+34*5-6`, `-35+10`, `1x-y-c` style text: non-negative integers,
/// an optional leading minus, `*` before `+`/`-`, otherwise left to right.
/// Returns nil for anything else.
func evaluate(_ text: Substring) -> Int? {
    var chars = Array(text)
    var sign = 1
    if chars.first == "-" { sign = -1; chars.removeFirst() }
    var total = 0
    var term: Int? = nil
    var number = ""
    func closeNumber() -> Int? {
        guard let n = Int(number) else { return nil }
        number = ""
        return n
    }
    var pendingTimes = false
    for c in chars + ["+"] {
        if c.isASCII && c.isNumber {
            number.append(c)
            continue
        }
        guard "+-*".contains(c), let n = closeNumber() else { return nil }
        let value = pendingTimes ? term! * n : n
        if c == "*" {
            term = value
            pendingTimes = true
        } else {
            total += sign * value
            sign = c == "+" ? 1 : -1
            term = nil
            pendingTimes = false
        }
    }
    return total
}

func evaluate(_ text: String) -> Int? { evaluate(text[...]) }

/// Evaluates a rewrite such as `-(52-17)` or `50-35`.
func evaluateRewrite(_ text: Substring) -> Int? {
    if text.hasPrefix("-("), text.hasSuffix(")") {
        return evaluate(text.dropFirst(2).dropLast()).map { -$0 }
    }
    return evaluate(text)
}
