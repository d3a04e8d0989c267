import Foundation
import Testing
@testable import Verifier
import Tasks

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
        let good = v.score(completion: "<think>2+2</think><answer>4</answer>", answer: "4", prompt: "2+2=")
        #expect(good.correct && good.wellFormed && abs(good.reward - 1.1) < 1e-6)
        let wrong = v.score(completion: "<think>x</think><answer>5</answer>", answer: "4", prompt: "2+2=")
        #expect(!wrong.correct && wrong.wellFormed && abs(wrong.reward - 0.1) < 1e-6)
        let noThink = v.score(completion: "<answer> 4 </answer>", answer: "4", prompt: "2+2=")
        #expect(noThink.correct && !noThink.wellFormed && noThink.reward == 1)
        let twice = v.score(completion: "<think>a</think><answer>4</answer><answer>4</answer>", answer: "4", prompt: "2+2=")
        #expect(!twice.wellFormed)
        #expect(v.score(completion: "4", answer: "4", prompt: "2+2=").reward == 0)
        #expect(v.score(completion: "<think></think><answer>0.5</answer>", answer: "1/2", prompt: "2+2=").correct)
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
            let score = v.score(completion: s, answer: next() % 2 == 0 ? "7" : s, prompt: "2+2=")
            #expect(score.reward >= 0 && score.reward <= 1.1 + 1e-6)
        }
    }

    /// Every trace the task writes checks out in full; one wrong digit costs its checks only.
    @Test func processRewardChecksEachStepOfTheProblemAsked() throws {
        let task = try ArithmeticTask(config: ArithmeticConfig())
        for i in 0..<300 {
            let p = task.trainProblem(at: i)
            let c = try #require(p.completion)
            #expect(ProcessCheck.fractionCorrect(c, prompt: p.prompt) == 1, "\(p.prompt) \(c)")
        }
        // 47+85: two columns and the header against the result; the second column is wrong.
        #expect(ProcessCheck.checks("47+85:7+5+0=12,4+8+1=14;132", prompt: "47+85=") == (2, 3))
        #expect(ProcessCheck.checks("17-52=-(52-17):12-7-0=5,5-1-1=3;-35", prompt: "17-52=") == (3, 3))
        // A right result is a number later steps may use.
        #expect(ProcessCheck.checks("17-52=-(52-17):12-7-0=5,5-1-1=3;-35|-35+10=-(35-10):5-0-0=5,3-1-0=2;-25", prompt: "17-52+10=") == (6, 6))
        #expect(ProcessCheck.checks("47*23=47*3+47*20|47*3:7*3+0=21,4*3+2=14;141|47*20:7*2+0=14,4*2+1=09;940", prompt: "47*23=") == (7, 7))
    }

    /// True statements that are not about the problem earn nothing.
    @Test func processRewardCannotBeGamed() {
        let p = "47+85="
        #expect(ProcessCheck.fractionCorrect("<think>0=0</think><answer>1</answer>", prompt: p) == 0)
        // Another problem's right trace.
        #expect(ProcessCheck.fractionCorrect("<think>12+30:2+0+0=02,1+3+0=04;42</think><answer>42</answer>", prompt: p) == 0)
        // Padding with true columns, and columns that are not these digits'.
        #expect(ProcessCheck.checks("47+85:7+5+0=12,4+8+1=13,1+1+0=02,1+1+0=02;132", prompt: p) == (3, 5))
        #expect(ProcessCheck.checks("47+85:1+1+0=02,1+1+0=02;132", prompt: p) == (1, 3))
        // Too short for the problem: two operators ask for at least four checks.
        #expect(ProcessCheck.fractionCorrect("<think>47+85:7+5+0=12,4+8+1=13;132</think>", prompt: "47+85-6=") == 0.75)
        #expect(ProcessCheck.fractionCorrect("no think tags", prompt: p) == 0)
        // Deep nesting, runs of minus signs and huge numbers are wrong steps, not crashes.
        #expect(ProcessCheck.checks(String(repeating: "(", count: 10_000) + "1=1", prompt: "1+1=").right == 0)
        #expect(ProcessCheck.checks("1=" + String(repeating: "-", count: 100_000) + "1", prompt: "1+1=").right == 0)
        #expect(ProcessCheck.checks("99999999999999999999*9=1|47+85:" + String(repeating: "9", count: 40) + "+1+0=1;132", prompt: p).right == 1)
        #expect(ProcessCheck.checks("garbage|1+=2|=|:;|:|;;", prompt: p).right == 0)
    }

    @Test func processWeightAddsTheFractionOfRightSteps() {
        let v = ArithmeticVerifier(config: RewardConfig(accuracyWeight: 1, formatWeight: 0.1, processWeight: 0.5))
        // One column right of three checks (the other column and the header are wrong).
        let oneThird = v.score(completion: "<think>47+85:7+5+0=12,4+8+1=14;133</think><answer>133</answer>", answer: "132", prompt: "47+85=")
        #expect(!oneThird.correct && abs(oneThird.reward - (0.1 + 0.5 / 3)) < 1e-6)
        let none = ArithmeticVerifier().score(completion: "<think>47+85:7+5+0=12,4+8+1=14;133</think><answer>133</answer>", answer: "132", prompt: "47+85=")
        #expect(abs(none.reward - 0.1) < 1e-6)
        // Settings from a learner that predates the process weight decode as outcome-only.
        let old = try? JSONDecoder().decode(RewardConfig.self, from: Data(#"{"accuracyWeight":1,"formatWeight":0.1}"#.utf8))
        #expect(old?.processWeight == 0)
    }
}
