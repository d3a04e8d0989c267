import Foundation
import Testing
@testable import Tasks
@testable import TinyGPT
@testable import Trainer

private func trainer(_ algo: Algorithm) throws -> RLTrainer {
    let model = try GPT(config: GPTConfig(vocabSize: Tokenizer.standard.vocabSize, contextLength: 96, layers: 1, heads: 2, width: 16))
    model.initialize(seed: 1)
    var c = RLConfig()
    c.algorithm = algo
    c.promptsPerStep = 3
    c.groupSize = 4
    c.maxNewTokens = 12
    c.dynamicSampling = false
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
        let r = try t.evaluate(problems: 4, samples: 3)
        #expect(r.problems == 4 && r.samplesPerProblem == 3)
        #expect(r.passAtK["1"] != nil && r.passAtK["3"] != nil)
    }

    @Test func badConfigIsNamed() {
        var c = RLConfig()
        c.groupSize = 1
        do { try c.validate(); Issue.record("expected an error") } catch { #expect("\(error)".contains("group_size")) }
    }
}
