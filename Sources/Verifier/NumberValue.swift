/// An exact rational value parsed from answer text: integers with sign,
/// decimals and fractions (`-12`, `+3`, `0.75`, `3/4`, ` 7 `). Equal values are equal.
public struct NumberValue: Equatable, Sendable {
    public let numerator: Int
    public let denominator: Int

    /// nil when the text is not a number of these forms (or overflows).
    public init?(_ text: Substring) {
        let s = text.trimmingCharacters(in: " \t\n")
        if let slash = s.firstIndex(of: "/") {
            guard let n = NumberValue(s[..<slash]), let d = NumberValue(s[s.index(after: slash)...]), d.numerator != 0 else {
                return nil
            }
            let (num, o1) = n.numerator.multipliedReportingOverflow(by: d.denominator)
            let (den, o2) = n.denominator.multipliedReportingOverflow(by: d.numerator)
            guard !o1, !o2 else { return nil }
            self.init(reducing: num, den)
            return
        }
        var body = Substring(s)
        var negative = false
        if let f = body.first, f == "-" || f == "+" {
            negative = f == "-"
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, !body.isEmpty, body != ".",
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              parts.joined().count <= 17 else { return nil }
        let digits = parts.joined()
        guard let value = Int(digits.isEmpty ? "0" : digits) else { return nil }
        var den = 1
        if parts.count == 2 { for _ in 0..<parts[1].count { den *= 10 } }
        self.init(reducing: negative ? -value : value, den)
    }

    public init?(_ text: String) { self.init(Substring(text)) }

    init(reducing n: Int, _ d: Int) {
        var a = abs(n), b = abs(d)
        while b != 0 { (a, b) = (b, a % b) }
        let g = max(a, 1)
        let sign = d < 0 ? -1 : 1
        numerator = sign * n / g
        denominator = abs(d) / g
    }
}

extension String {
    func trimmingCharacters(in set: String) -> Substring {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring { String(self).trimmingCharacters(in: set) }
}
