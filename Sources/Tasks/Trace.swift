/// Worked solutions, written the way a tiny model can learn them: one binary
/// operation at a time, `A op B:` then its columns from the right, then `>R`.
///
///     47+85:7+5=12,4+8+1=13>132            columns with carries
///     52-17:2-7=5b,5-1-1=3>35              `b` marks a borrow
///     17-52=-(52-17):2-7=5b,5-1-1=3>-35    negative results
///     47*8:7*8=56,4*8+5=37>376             single-digit multiplier
///     47*23:47*3=141,47*20=940;141+940:…   partial products, then their sum
///
/// Multi-operand expressions do the multiplications first, then left to right,
/// separating steps with `;`.
enum Trace {
    static func digits(_ n: Int) -> [Int] { String(n).compactMap { $0.wholeNumberValue }.reversed() }

    static func add(_ a: Int, _ b: Int) -> String {
        let da = digits(a), db = digits(b)
        var carry = 0
        var cols: [String] = []
        for i in 0..<max(da.count, db.count) {
            let x = i < da.count ? da[i] : 0, y = i < db.count ? db[i] : 0
            let s = x + y + carry
            cols.append("\(x)+\(y)\(carry > 0 ? "+1" : "")=\(s)")
            carry = s / 10
        }
        return "\(a)+\(b):\(cols.joined(separator: ","))>\(a + b)"
    }

    /// a − b for a, b ≥ 0.
    static func subtract(_ a: Int, _ b: Int) -> String {
        if a < b { return "\(a)-\(b)=-(\(b)-\(a)):\(columnsSub(b, a))>\(a - b)" }
        return "\(a)-\(b):\(columnsSub(a, b))>\(a - b)"
    }

    private static func columnsSub(_ a: Int, _ b: Int) -> String {
        let da = digits(a), db = digits(b)
        var borrow = 0
        var cols: [String] = []
        for i in 0..<da.count {
            let x = da[i], y = i < db.count ? db[i] : 0
            var d = x - y - borrow
            let col = "\(x)-\(y)\(borrow > 0 ? "-1" : "")="
            borrow = d < 0 ? 1 : 0
            if d < 0 { d += 10 }
            cols.append(col + "\(d)\(borrow > 0 ? "b" : "")")
        }
        return cols.joined(separator: ",")
    }

    /// a × b for a, b ≥ 0.
    static func multiply(_ a: Int, _ b: Int) -> String {
        if b < 10 { return "\(a)*\(b):\(columnsMul(a, b))>\(a * b)" }
        let db = digits(b)
        var partials: [Int] = []
        var parts: [String] = []
        var place = 1
        for d in db {
            partials.append(a * d * place)
            parts.append("\(a)*\(d * place)=\(a * d * place)")
            place *= 10
        }
        var steps = ["\(a)*\(b):\(parts.joined(separator: ","))"]
        var acc = partials[0]
        for p in partials.dropFirst() {
            steps.append(add(acc, p))
            acc += p
        }
        return steps.joined(separator: ";")
    }

    private static func columnsMul(_ a: Int, _ d: Int) -> String {
        var carry = 0
        var cols: [String] = []
        for x in digits(a) {
            let p = x * d + carry
            cols.append("\(x)*\(d)\(carry > 0 ? "+\(carry)" : "")=\(p)")
            carry = p / 10
        }
        return cols.joined(separator: ",")
    }

    /// Steps for `a op b` where a may be negative (an intermediate result).
    static func step(_ a: Int, _ op: Character, _ b: Int) -> String {
        switch op {
        case "+": return a >= 0 ? add(a, b) : "\(a)+\(b)=-(\(-a)-\(b)):" + stripHead(subtract(-a, b), negate: true)
        case "-": return a >= 0 ? subtract(a, b) : "\(a)-\(b)=-(\(-a)+\(b)):" + stripHead(add(-a, b), negate: true)
        default: return a >= 0 ? multiply(a, b) : "\(a)*\(b)=-(\(-a)*\(b)):" + stripHead(multiply(-a, b), negate: true)
        }
    }

    /// Drops `X op Y:` from a single trace and negates its final result.
    private static func stripHead(_ t: String, negate: Bool) -> String {
        var body = t.firstIndex(of: ":").map { String(t[t.index(after: $0)...]) } ?? t
        if negate, let gt = body.lastIndex(of: ">") {
            let value = Int(body[body.index(after: gt)...])!
            body = String(body[..<gt]) + ">\(-value)"
        }
        return body
    }
}
