import Testing
@testable import Verifier

/// The three places a completion may state its answer, and what earns the format reward.
@Suite("Answer formats")
struct AnswerFormatTests {
    @Test func answerLineReadsTheLastAnswerLine() {
        let f = AnswerFormat.answerLine
        #expect(f.extract("47 + 85 = 132\nAnswer: 132") == "132")
        #expect(f.extract("First 12.\nAnswer: 12\nNo wait.\n**Answer:** -35.") == "-35")
        #expect(f.extract("So, the answer is 192.") == "192" && f.extract("Answer:   \n") == nil && f.extract("no numbers here") == nil)
        #expect(!f.isWellFormed("So, the answer is 192."), "only the line asked for earns the format reward")
        #expect(f.isWellFormed("steps\nAnswer: 132") && !f.isWellFormed("Answer: 1\nmore text"))
        #expect(!f.isWellFormed("Answer: 1\nAnswer: 2"))
        let v = ArithmeticVerifier(config: RewardConfig(answerFormat: f))
        let s = v.score(completion: "7+5=12, 4+8+1=13\nAnswer: 132", answer: "132", prompt: "47+85=")
        #expect(s.correct && s.wellFormed && s.reward == 1.1)
        #expect(!v.score(completion: "<think>x</think><answer>132</answer>", answer: "132", prompt: "").correct)
    }

    @Test func boxedReadsTheLastBoxWithNestedBraces() {
        let f = AnswerFormat.boxed
        #expect(f.extract("so \\boxed{132}.") == "132")
        #expect(f.extract("\\boxed{1} then \\boxed{\\frac{1}{2}}") == "\\frac{1}{2}")
        #expect(f.extract("\\boxed{13") == nil)
        #expect(f.isWellFormed("x = \\boxed{5}") && !f.isWellFormed("\\boxed{1} \\boxed{2}"))
    }

    @Test func tagsAreTheR1TemplateAsBefore() {
        let text = "<think>47+85:7+5=12</think><answer>132</answer>"
        #expect(AnswerFormat.tags.extract(text) == "132" && AnswerFormat.tags.isWellFormed(text))
        #expect(ArithmeticVerifier.extractAnswer(text) == "132" && ArithmeticVerifier.isWellFormed(text))
        #expect(!AnswerFormat.tags.isWellFormed("Answer: 132"))
        #expect(RewardConfig().answerFormat == .tags)
    }
}
