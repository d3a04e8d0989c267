import Foundation
import Testing
@testable import Tasks
@testable import TinyGPT
@testable import Trainer

private func trainer(_ algo: Algorithm, curriculum: Bool = false) throws -> RLTrainer {
    let model = try GPT(config: GPTConfig(vocabSize: Tokenizer.standard.vocabSize, contextLength: 96, layers: 1, heads: 2, width: 16))
    model.initialize(seed: 1)
    var c = RLConfig()
    c.algorithm = algo
    c.promptsPerStep = 3
    c.groupSize = 4
    c.maxNewTokens = 12
    c.dynamicSampling = false
    c.curriculum = curriculum
    c.loss.beta = 0.05
    var task = ArithmeticConfig()
    task.maxDigits = 1
    task.heldOutSize = 10
    return try RLTrainer(config: c, policy: model, tokenizer: .standard, task: ArithmeticTask(config: task))
}

@Suite("Trainer")
struct TrainerTests {
    @Test(arguments: Algorithm.allCases)
    func aStepUpdatesThePolicyAndReportsMetrics(algo: Algorithm) throws {
        let t = try trainer(algo)
        let before = t.policy.params.array
        let m = try t.trainStep()
        #expect(m.step == 1 && m.groupsTrained == 3 && m.groupsSampled == 3)
        #expect(m.completionLength > 0 && m.completionLength <= 12)
        #expect(m.entropy > 0 && m.kl.isFinite && m.loss.isFinite)
        #expect((0...1).contains(m.zeroVarianceFraction))
        // An untrained policy rarely earns reward; GRPO then has no signal and must not move.
        if m.reward > 0 || algo == .kimi { #expect(t.policy.params.array != before) }
    }

    @Test func evaluationReportsPassAtK() throws {
        let t = try trainer(.grpo)
        let r = try t.evaluate(problems: 4, samples: 16)  // pass@8 and maj@8 from 16 samples
        #expect(r.problems == 4 && r.samplesPerProblem == 16)
        #expect(r.passAtK["1"] != nil && r.passAtK["8"] != nil && r.majAtK["8"] != nil)
    }

    @Test func badConfigIsNamed() {
        var c = RLConfig()
        c.groupSize = 1
        do { try c.validate(); Issue.record("expected an error") } catch { #expect("\(error)".contains("group_size")) }
    }
}

@Suite("PromptCurriculum")
struct PromptCurriculumTests {
    @Test func shapesMaskDigits() {
        #expect(PromptCurriculum.shape(of: "47+85=") == "99+99=")
        #expect(PromptCurriculum.shape(of: "3*120=") == "9*999=")
    }

    @Test func unseenShapesAreAlwaysAcceptedAndFlatOnesAtTheFloor() {
        var c = PromptCurriculum(floor: 0.1, groupSize: 8, seed: 3)
        #expect((0..<200).allSatisfy { c.accepts(prompt: "12+34=", index: $0) })  // p = 0.5 a priori: informative
        for _ in 0..<30 { c.record(prompt: "12+34=", correct: 0, total: 8) }       // always wrong
        for _ in 0..<30 { c.record(prompt: "5*6=", correct: 3, total: 8) }         // sometimes right
        let flat = (0..<4000).filter { c.accepts(prompt: "99+99=", index: $0) }.count
        let mixed = (0..<4000).filter { c.accepts(prompt: "9*9=", index: $0) }.count
        #expect(abs(Double(flat) / 4000 - 0.1) < 0.03)
        #expect(Double(mixed) / 4000 > 0.85)
        // The choice is a function of (seed, index, statistics): a decoded copy decides alike.
        let copy = try! JSONDecoder().decode(PromptCurriculum.self, from: JSONEncoder().encode(c))
        #expect((0..<500).allSatisfy { copy.accepts(prompt: "1+1=", index: $0) == c.accepts(prompt: "1+1=", index: $0) })
    }

    @Test func trainerPassesOverFlatShapes() throws {
        let t = try trainer(.grpo, curriculum: true)
        for _ in 0..<5 { _ = try t.trainStep() }
        #expect(t.curriculum != nil)
        // An untrained policy is always wrong: after a few groups most prompts are passed over.
        #expect(t.skippedPrompts > 0)
    }
}
