import Foundation

/// The process reward: the share of a worked trace's checks that are right *and* about the
/// problem asked, each step checked on its own.
///
/// The built-in traces (`ArithmeticTrace`) are steps joined by `|`, most of them
/// `HEADER:COLUMNS;RESULT`. The checks are
///
///     47+85:7+5+0=12,4+8+1=13;132     every column (7+5+0=12), and header = result (47+85 = 132)
///     17-52=-(52-17):…;-35            every side of the header equals the result
///     47*23=47*3+47*20                a restatement: its sides are equal
///
/// A check only counts as right when its step is grounded: the numbers of the header's first
/// side are the prompt's or results of earlier right steps, and each column works the digits
/// of its operation (at most one column per digit). The count is then divided by at least two
/// checks per operator of the prompt. So `0=0`, a right trace of another problem, padding with
/// true columns or a trace shorter than the problem earn nothing for it.
public enum ProcessCheck {
    /// The grounded right checks over all checks (at least 2 per operator of `prompt`) in the
    /// `<think>` part of `completion`; 0 without one.
    public static func fractionCorrect(_ completion: String, prompt: String) -> Float {
        guard let trace = thinking(completion) else { return 0 }
        let (right, total) = checks(String(trace), prompt: prompt)
        let operators = prompt.utf8.filter { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "*") }.count
        let denominator = max(total, 2 * operators)
        return denominator == 0 ? 0 : Float(right) / Float(denominator)
    }

    /// (grounded right, total) checks of a trace for `prompt`.
    public static func checks(_ trace: String, prompt: String) -> (right: Int, total: Int) {
        var known = Set(numbers(in: Substring(prompt)))
        var right = 0, total = 0
        for step in trace.split(separator: "|", omittingEmptySubsequences: true) {
            guard let colon = step.firstIndex(of: ":") else {
                // A restatement (47*23=47*3+47*20); one with a single side says nothing to check.
                let sides = step.split(separator: "=", omittingEmptySubsequences: false)
                guard sides.count >= 2 else { continue }
                total += 1
                if isGrounded(sides[0], known) && allEqual(sides) {
                    right += 1
                    for side in sides { known.formUnion(numbers(in: side)) }
                }
                continue
            }
            let header = step[..<colon].split(separator: "=", omittingEmptySubsequences: false)
            let body = step[step.index(after: colon)...].split(separator: ";", omittingEmptySubsequences: false)
            let grounded = isGrounded(header[0], known)
            let operation = Operation(header.last!)
            for (i, column) in body[0].split(separator: ",").enumerated() {
                total += 1
                if grounded, let op = operation, op.fits(column, at: i),
                   allEqual(column.split(separator: "=", omittingEmptySubsequences: false)) { right += 1 }
            }
            if body.count == 2 {
                total += 1
                if grounded && allEqual(header + [body[1]]) {
                    right += 1
                    if let v = Expression.evaluate(body[1]) { known.insert(v) }
                }
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

    /// Every number is known, and there is at least one.
    static func isGrounded(_ side: Substring, _ known: Set<Int>) -> Bool {
        let ns = numbers(in: side)
        return !ns.isEmpty && ns.allSatisfy(known.contains)
    }

    /// The integers of `text`, a `-` right before one counting as its sign at the start or
    /// after `(` or `=` (`-35+10` → −35, 10; `17-52` → 17, 52). Unreadably long ones are left out.
    static func numbers(in text: Substring) -> [Int] {
        var out: [Int] = []
        let b = Array(text.utf8)
        var i = 0
        while i < b.count {
            guard isDigit(b[i]) else { i += 1; continue }
            let start = i
            while i < b.count && isDigit(b[i]) { i += 1 }
            guard i - start <= 18, var v = Int(String(decoding: b[start..<i], as: UTF8.self)) else { continue }
            if start > 0 && b[start - 1] == UInt8(ascii: "-") && (start == 1 || [UInt8(ascii: "("), UInt8(ascii: "=")].contains(b[start - 2])) {
                v = -v
            }
            out.append(v)
        }
        return out
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// At least two sides, each an expression that evaluates, all to the same value.
    static func allEqual<S: StringProtocol>(_ sides: [S]) -> Bool {
        guard sides.count >= 2 else { return false }
        let values = sides.map { Expression.evaluate(Substring($0)) }
        guard let first = values[0] else { return false }
        return values.allSatisfy { $0 == first }
    }

    /// The operation on magnitudes a step's columns work (`52-17` of `17-52=-(52-17)`).
    struct Operation {
        var x: [Int], op: UInt8, y: Int

        /// `A op B` or `-(A op B)` with A, B digit strings; nil otherwise.
        init?(_ side: Substring) {
            var s = Array(side.utf8)
            if s.count > 3, s[0] == UInt8(ascii: "-"), s[1] == UInt8(ascii: "("), s.last == UInt8(ascii: ")") { s = Array(s[2..<(s.count - 1)]) }
            guard let at = s.firstIndex(where: { [UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*")].contains($0) }),
                  at > 0, at < s.count - 1, s[..<at].allSatisfy(ProcessCheck.isDigit), s[(at + 1)...].allSatisfy(ProcessCheck.isDigit),
                  s.count - at - 1 <= 18, let y = Int(String(decoding: s[(at + 1)...], as: UTF8.self)) else { return nil }
            x = s[..<at].reversed().map { Int($0) - 48 }  // ones first
            op = s[at]
            self.y = y
        }

        /// Column i (from the ones) works digit i: `x_i+y_i+c`, `(1)x_i-y_i-b`, `x_i*d+c` with d·10^k = y.
        func fits(_ column: Substring, at i: Int) -> Bool {
            let ys = String(y).utf8.reversed().map { Int($0) - 48 }
            let count = op == UInt8(ascii: "+") ? max(x.count, ys.count) : x.count
            guard i < count, let lhs = column.split(separator: "=").first else { return false }
            let terms = lhs.split(whereSeparator: { $0 == "+" || $0 == "-" || $0 == "*" }).map { Int($0) }
            guard terms.count == 3, let a = terms[0], let b = terms[1] else { return false }
            let xi = i < x.count ? x[i] : 0, yi = i < ys.count ? ys[i] : 0
            switch op {
            case UInt8(ascii: "+"): return a == xi && b == yi
            case UInt8(ascii: "-"): return (a == xi || a == 10 + xi) && b == yi
            default:
                var d = y
                while d >= 10 && d % 10 == 0 { d /= 10 }
                return a == xi && b == d
            }
        }
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
                // Bounded nesting (parentheses and unary minus alike): hostile text cannot
                // recurse the verifier off its stack.
                guard at < chars.count, depth < 32 else { return nil }
                depth += 1
                defer { depth -= 1 }
                if chars[at] == UInt8(ascii: "-") {
                    at += 1
                    guard let v = factor(), v != .min else { return nil }
                    return -v
                }
                if chars[at] == UInt8(ascii: "(") {
                    at += 1
                    guard let v = sum(), at < chars.count, chars[at] == UInt8(ascii: ")") else { return nil }
                    at += 1
                    return v
                }
                var v = 0, digits = 0
                while at < chars.count, ProcessCheck.isDigit(chars[at]) {
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
