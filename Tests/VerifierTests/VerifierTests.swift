import Foundation
import Testing
@testable import Verifier

@Suite("Verifier")
struct VerifierTests {
    let v = ArithmeticVerifier(config: RewardConfig(accuracyWeight: 1, formatWeight: 0.1))

    @Test func numbersCompareByValue() {
        #expect(NumberValue("3/4") == NumberValue("0.75"))
        #expect(NumberValue(" -12 ") == NumberValue("-12.0"))
        #expect(NumberValue("+5") == NumberValue("5"))
        #expect(NumberValue("6/8") == NumberValue("3/4"))
        #expect(NumberValue("-3/4") == NumberValue("3/-4"))
        #expect(NumberValue("1/0") == nil)
        #expect(NumberValue("abc") == nil && NumberValue("") == nil && NumberValue("1.2.3") == nil && NumberValue("-") == nil)
        #expect(NumberValue("99999999999999999999999") == nil)
    }

    @Test func rewardsAccuracyAndFormat() {
        let good = v.score(completion: "<think>2+2</think><answer>4</answer>", answer: "4")
        #expect(good.correct && good.wellFormed && abs(good.reward - 1.1) < 1e-6)
        let wrong = v.score(completion: "<think>x</think><answer>5</answer>", answer: "4")
        #expect(!wrong.correct && wrong.wellFormed && abs(wrong.reward - 0.1) < 1e-6)
        let noThink = v.score(completion: "<answer> 4 </answer>", answer: "4")
        #expect(noThink.correct && !noThink.wellFormed && noThink.reward == 1)
        let twice = v.score(completion: "<think>a</think><answer>4</answer><answer>4</answer>", answer: "4")
        #expect(!twice.wellFormed)
        #expect(v.score(completion: "4", answer: "4").reward == 0)
        #expect(v.score(completion: "<think></think><answer>0.5</answer>", answer: "1/2").correct)
    }

    /// Property: no string makes the verifier trap, and the reward stays in range.
    @Test func neverCrashesOnArbitraryText() {
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let pieces = ["<think>", "</think>", "<answer>", "</answer>", "<", ">", "/", "-", ".", "0", "9", " ", "é", "💥", "1/0"]
        for _ in 0..<5000 {
            var s = ""
            for _ in 0..<Int(next() % 16) {
                if next() % 2 == 0 { s += pieces[Int(next() % UInt64(pieces.count))] }
                else if let u = Unicode.Scalar(UInt32(next() % 0x10FFFF)) { s.unicodeScalars.append(u) }
            }
            let score = v.score(completion: s, answer: next() % 2 == 0 ? "7" : s)
            #expect(score.reward >= 0 && score.reward <= 1.1 + 1e-6)
        }
    }
}
