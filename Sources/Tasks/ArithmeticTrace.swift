/// Worked solutions that a tiny character-level model can learn: one binary
/// operation per step, each worked column by column from the right, with every
/// column written in a fixed shape so digits sit at predictable offsets.
///
/// A step is `HEADER:COLUMNS;RESULT`; steps are joined by `|`.
///
///     47+85:7+5+0=12,4+8+1=13;132          x+y+carry=two-digit sum
///     52-17:12-7-0=5,5-1-1=3;35            borrowing writes the 10 in: 12-7
///     17-52=-(52-17):12-7-0=5,5-1-1=3;-35  a negative result is the reverse, negated
///     47*8:7*8+0=56,4*8+5=37;376           x*d+carry=two-digit product
///     47*23=47*3+47*20|47*3:7*3+0=21,4*3+2=14;141|47*20:7*2+0=14,4*2+1=09;940|141+940:1+0+0=01,4+4+0=08,1+9+0=10;1081
///
/// Multi-operand expressions do their products first, then restate the
/// remaining sum (`12+170-6`) and fold it left to right. A negative running
/// value is rewritten into an operation on magnitudes, e.g. `-35+10=-(35-10)`
/// or `-35+50=50-35`.
///
/// Everything here works on digit strings and never on the numbers' Int values,
/// so checking the trace's final result against `ArithmeticExpression.value`
/// really tests the trace.
enum ArithmeticTrace {
    /// The `<think>` content for `operands` (decimal strings, no sign) joined by
    /// `operators`, and the final result as text (e.g. `-35`).
    static func solve(operands: [String], operators: [Character]) -> (steps: String, result: String) {
        var terms = operands.map { Signed(negative: false, digits: digits(of: $0)) }
        var ops = operators
        var steps: [String] = []

        // Products first. Operands are non-negative, so every product is too.
        while let i = ops.firstIndex(of: "*") {
            let (text, product) = multiply(terms[i].digits, terms[i + 1].digits)
            steps.append(text)
            terms[i] = Signed(negative: false, digits: product)
            terms.remove(at: i + 1)
            ops.remove(at: i)
        }
        // Restate what is left when there is more than one step of it to track.
        if !steps.isEmpty && ops.count >= 2 {
            var rest = text(terms[0])
            for (op, term) in zip(ops, terms.dropFirst()) { rest += String(op) + text(term) }
            steps.append(rest)
        }
        // Then left to right; only the running value (terms[0]) can be negative.
        while !ops.isEmpty {
            let (text, value) = addOrSubtract(terms[0], ops[0], terms[1].digits)
            steps.append(text)
            terms[0] = value
            terms.remove(at: 1)
            ops.remove(at: 0)
        }
        return (steps.joined(separator: "|"), text(terms[0]))
    }

    // MARK: Steps

    /// A signed number as little-endian digits (ones first), no leading zeros.
    struct Signed {
        var negative: Bool
        var digits: [Int]
    }

    /// One `+`/`-` step: `acc op b` where acc may be negative and b is not.
    private static func addOrSubtract(_ acc: Signed, _ op: Character, _ b: [Int]) -> (String, Signed) {
        let a = acc.digits
        let A = text(a), B = text(b)
        switch (acc.negative, op) {
        case (false, "+"):
            let (cols, sum) = addColumns(a, b)
            return ("\(A)+\(B):\(cols);\(text(sum))", Signed(negative: false, digits: sum))
        case (false, _):
            if compare(a, b) >= 0 {
                let (cols, diff) = subtractColumns(a, b)
                return ("\(A)-\(B):\(cols);\(text(diff))", Signed(negative: false, digits: diff))
            }
            let (cols, diff) = subtractColumns(b, a)
            return ("\(A)-\(B)=-(\(B)-\(A)):\(cols);-\(text(diff))", Signed(negative: true, digits: diff))
        case (true, "+"):
            if compare(b, a) >= 0 {
                let (cols, diff) = subtractColumns(b, a)
                return ("-\(A)+\(B)=\(B)-\(A):\(cols);\(text(diff))", Signed(negative: false, digits: diff))
            }
            let (cols, diff) = subtractColumns(a, b)
            return ("-\(A)+\(B)=-(\(A)-\(B)):\(cols);-\(text(diff))", Signed(negative: true, digits: diff))
        case (true, _):
            let (cols, sum) = addColumns(a, b)
            return ("-\(A)-\(B)=-(\(A)+\(B)):\(cols);-\(text(sum))", Signed(negative: true, digits: sum))
        }
    }

    /// `a*b` for non-negative a, b. A multiplier with one non-zero digit (`8`,
    /// `30`) is a single column pass; otherwise one pass per non-zero digit,
    /// then the partial products are summed.
    private static func multiply(_ a: [Int], _ b: [Int]) -> (String, [Int]) {
        let A = text(a)
        // (digit, its place) for each non-zero multiplier digit, ones first.
        let parts = b.indices.filter { b[$0] != 0 }.map { (b[$0], $0) }
        if parts.count <= 1 {
            let (digit, place) = parts.first ?? (0, 0)
            let (cols, product) = multiplyColumns(a, digit, place: place)
            return ("\(A)*\(text(b)):\(cols);\(text(product))", product)
        }
        let factors = parts.map { digit, place in String(digit) + String(repeating: "0", count: place) }
        var steps = ["\(A)*\(text(b))=" + factors.map { "\(A)*\($0)" }.joined(separator: "+")]
        var partials: [[Int]] = []
        for ((digit, place), factor) in zip(parts, factors) {
            let (cols, product) = multiplyColumns(a, digit, place: place)
            steps.append("\(A)*\(factor):\(cols);\(text(product))")
            partials.append(product)
        }
        var total = partials[0]
        for partial in partials.dropFirst() {
            let (cols, sum) = addColumns(total, partial)
            steps.append("\(text(total))+\(text(partial)):\(cols);\(text(sum))")
            total = sum
        }
        return (steps.joined(separator: "|"), total)
    }

    // MARK: Columns

    /// Columns `x+y+c=SS` from the ones up; the sum is always two digits, its
    /// first being the carry into the next column.
    private static func addColumns(_ a: [Int], _ b: [Int]) -> (String, [Int]) {
        var cols: [String] = []
        var out: [Int] = []
        var carry = 0
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0, y = i < b.count ? b[i] : 0
            let s = x + y + carry
            cols.append("\(x)+\(y)+\(carry)=\(s / 10)\(s % 10)")
            out.append(s % 10)
            carry = s / 10
        }
        if carry > 0 { out.append(carry) }
        return (cols.joined(separator: ","), trimmed(out))
    }

    /// Columns `x-y-b=d` for a ≥ b; a column that must borrow is written
    /// `1x-y-b=d`, and the next column then subtracts the borrow.
    private static func subtractColumns(_ a: [Int], _ b: [Int]) -> (String, [Int]) {
        var cols: [String] = []
        var out: [Int] = []
        var borrow = 0
        for i in 0..<a.count {
            let x = a[i], y = i < b.count ? b[i] : 0
            let d = x - y - borrow
            cols.append(d < 0 ? "1\(x)-\(y)-\(borrow)=\(d + 10)" : "\(x)-\(y)-\(borrow)=\(d)")
            out.append(d < 0 ? d + 10 : d)
            borrow = d < 0 ? 1 : 0
        }
        return (cols.joined(separator: ","), trimmed(out))
    }

    /// Columns `x*d+c=PP` (two-digit, first digit carried), then `place` zeros appended.
    private static func multiplyColumns(_ a: [Int], _ d: Int, place: Int) -> (String, [Int]) {
        var cols: [String] = []
        var out: [Int] = []
        var carry = 0
        for x in a {
            let p = x * d + carry
            cols.append("\(x)*\(d)+\(carry)=\(p / 10)\(p % 10)")
            out.append(p % 10)
            carry = p / 10
        }
        if carry > 0 { out.append(carry) }
        out = trimmed(out)
        if out != [0] { out.insert(contentsOf: repeatElement(0, count: place), at: 0) }
        return (cols.joined(separator: ","), out)
    }

    // MARK: Digit helpers

    /// Little-endian digits of a decimal string like "347" -> [7, 4, 3].
    static func digits(of decimal: String) -> [Int] {
        trimmed(decimal.utf8.reversed().map { Int($0) - 48 })
    }

    private static func text(_ digits: [Int]) -> String {
        String(decoding: digits.reversed().map { UInt8(48 + $0) }, as: UTF8.self)
    }

    private static func text(_ n: Signed) -> String {
        (n.negative ? "-" : "") + text(n.digits)
    }

    /// Drops high zeros, keeping a single 0 for zero.
    private static func trimmed(_ digits: [Int]) -> [Int] {
        var d = digits
        while d.count > 1 && d.last == 0 { d.removeLast() }
        return d.isEmpty ? [0] : d
    }

    /// -1, 0 or 1 as a <, ==, > b (both trimmed).
    private static func compare(_ a: [Int], _ b: [Int]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for i in a.indices.reversed() where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return 0
    }
}
