import Foundation
import Testing
@testable import Eval

/// Brute force: probability that a uniformly random k-subset of n samples (c right) holds a right one.
private func bruteForce(n: Int, c: Int, k: Int) -> Double {
    var hit = 0, total = 0
    for mask in 0..<(1 << n) where mask.nonzeroBitCount == k {
        total += 1
        if mask & ((1 << c) - 1) != 0 { hit += 1 }
    }
    return Double(hit) / Double(total)
}

@Suite("Eval")
struct EvalTests {
    @Test func passAtKMatchesBruteForce() {
        for n in 1...10 {
            for c in 0...n {
                for k in 1...n {
                    #expect(abs(passAtK(n: n, c: c, k: k) - bruteForce(n: n, c: c, k: k)) < 1e-12, "n=\(n) c=\(c) k=\(k)")
                }
            }
        }
    }

    @Test func passAtKDoesNotOverflowForLargeN() {
        let v = passAtK(n: 10_000, c: 3, k: 1000)
        #expect(v > 0 && v < 1)
        #expect(abs(passAtK(n: 200, c: 20, k: 1) - 0.1) < 1e-12)
    }

    @Test func majorityVote() {
        #expect(majorityCorrect(answers: ["3", "4", "4", nil], correct: [true, false, false, false]) == false)
        #expect(majorityCorrect(answers: ["3", "3", "4"], correct: [true, true, false]))
        #expect(majorityCorrect(answers: [nil, nil], correct: [false, false]) == false)
    }
}
