/// The dense process reward: the share of a worked trace's steps that are arithmetically
/// right, each checked on its own, without the problem or its answer.
///
/// The built-in traces (`ArithmeticTrace`) are steps joined by `|`, most of them
/// `HEADER:COLUMNS;RESULT`. The checks are
///
///     47+85:7+5+0=12,4+8+1=13;132     every column (7+5+0=12), and header = result (47+85 = 132)
///     17-52=-(52-17):…;-35            every side of the header equals the result
///     47*23=47*3+47*20                a restatement: its sides are equal
///
/// A step with nothing to check (a bare restatement such as `12+170-6`) counts neither way.
public enum ProcessCheck {
    /// Right checks over all checks in the `<think>` part of `completion`; 0 without one.
    public static func fractionCorrect(_ completion: String) -> Float {
        let (right, total) = checks(String(thinking(completion) ?? ""))
        return total == 0 ? 0 : Float(right) / Float(total)
    }

    /// (right, total) checks of a trace.
    public static func checks(_ trace: String) -> (right: Int, total: Int) {
        var right = 0, total = 0
        func check(_ ok: Bool) { total += 1; if ok { right += 1 } }
        for step in trace.split(separator: "|", omittingEmptySubsequences: true) {
            guard let colon = step.firstIndex(of: ":") else {
                let sides = step.split(separator: "=", omittingEmptySubsequences: false)
                if sides.count >= 2 { check(allEqual(sides)) }
                continue
            }
            let header = step[..<colon], body = step[step.index(after: colon)...]
            let parts = body.split(separator: ";", omittingEmptySubsequences: false)
            for column in parts[0].split(separator: ",") {
                check(allEqual(column.split(separator: "=", omittingEmptySubsequences: false)))
            }
            if parts.count == 2 {
                check(allEqual(header.split(separator: "=", omittingEmptySubsequences: false) + [parts[1]]))
            }
        }
        return (right, total)
    }

    /// The text between `<think>` and `</think>`.
    static func thinking(_ text: String) -> Substring? {
        guard let open = text.range(of: "<think>"),
              let close = text.range(of: "</think>", range: open.upperBound..<text.endIndex) else { return nil }
        return text[open.upperBound..<close.lowerBound]
    }

    /// At least two sides, each an expression that evaluates, all to the same value.
    static func allEqual<S: StringProtocol>(_ sides: [S]) -> Bool {
        guard sides.count >= 2 else { return false }
        let values = sides.map { Expression.evaluate(Substring($0)) }
        guard let first = values[0] else { return false }
        return values.allSatisfy { $0 == first }
    }

    /// Integers with + − × , unary minus and parentheses; nil on anything else or on overflow.
    enum Expression {
        static func evaluate(_ text: Substring) -> Int? {
            var p = Parser(chars: Array(text.utf8))
            guard let v = p.sum(), p.at == p.chars.count else { return nil }
            return v
        }

        struct Parser {
            let chars: [UInt8]
            var at = 0
            var depth = 0

            mutating func sum() -> Int? {
                guard var v = product() else { return nil }
                while at < chars.count, chars[at] == UInt8(ascii: "+") || chars[at] == UInt8(ascii: "-") {
                    let plus = chars[at] == UInt8(ascii: "+")
                    at += 1
                    guard let r = product() else { return nil }
                    let (x, o) = plus ? v.addingReportingOverflow(r) : v.subtractingReportingOverflow(r)
                    if o { return nil }
                    v = x
                }
                return v
            }

            mutating func product() -> Int? {
                guard var v = factor() else { return nil }
                while at < chars.count, chars[at] == UInt8(ascii: "*") {
                    at += 1
                    guard let r = factor() else { return nil }
                    let (x, o) = v.multipliedReportingOverflow(by: r)
                    if o { return nil }
                    v = x
                }
                return v
            }

            mutating func factor() -> Int? {
                guard at < chars.count else { return nil }
                if chars[at] == UInt8(ascii: "-") {
                    at += 1
                    guard let v = factor(), v != .min else { return nil }
                    return -v
                }
                if chars[at] == UInt8(ascii: "(") {
                    // Bounded nesting: a hostile completion cannot recurse the verifier off its stack.
                    guard depth < 32 else { return nil }
                    at += 1; depth += 1
                    guard let v = sum(), at < chars.count, chars[at] == UInt8(ascii: ")") else { return nil }
                    at += 1; depth -= 1
                    return v
                }
                var v = 0, digits = 0
                while at < chars.count, chars[at] >= UInt8(ascii: "0"), chars[at] <= UInt8(ascii: "9") {
                    let (m, o1) = v.multipliedReportingOverflow(by: 10)
                    let (x, o2) = m.addingReportingOverflow(Int(chars[at] - UInt8(ascii: "0")))
                    if o1 || o2 { return nil }
                    v = x; at += 1; digits += 1
                }
                return digits > 0 ? v : nil
            }
        }
    }
}
