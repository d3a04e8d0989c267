import Foundation

/// The unbiased pass@k estimator (Chen et al., 2021): with n samples of which c are
/// right, pass@k = 1 − C(n−c, k)/C(n, k), computed as a product so nothing overflows:
/// C(n−c, k)/C(n, k) = Π_{i=n−c+1}^{n} (1 − k/i).
public func passAtK(n: Int, c: Int, k: Int) -> Double {
    precondition(n >= 1 && c >= 0 && c <= n && k >= 1 && k <= n, "pass@k needs 1 ≤ k ≤ n and 0 ≤ c ≤ n")
    if c == 0 { return 0 }
    if n - c < k { return 1 }
    var miss = 1.0
    for i in (n - c + 1)...n { miss *= 1 - Double(k) / Double(i) }
    return 1 - miss
}

/// Majority vote: true when the most common extracted answer (ties: first seen) is right.
public func majorityCorrect(answers: [String?], correct: [Bool]) -> Bool {
    var counts: [String: Int] = [:], firstRight: [String: Bool] = [:], order: [String] = []
    for (a, ok) in zip(answers, correct) {
        guard let a else { continue }
        if counts[a] == nil { order.append(a); firstRight[a] = ok }
        counts[a, default: 0] += 1
    }
    guard let best = order.max(by: { counts[$0]! < counts[$1]! || (counts[$0]! == counts[$1]! && order.firstIndex(of: $0)! > order.firstIndex(of: $1)!) })
    else { return false }
    return firstRight[best] ?? false
}
