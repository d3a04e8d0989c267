import Foundation
import Kernels
import Testing
@testable import Tasks
@testable import TinyGPT
@testable import Trainer
@testable import Sampler
@testable import Verifier
import Completions

private func smallConfig(_ algo: Algorithm, curriculum: Bool = false) -> RLConfig {
    var c = RLConfig(algorithm: algo)
    c.promptsPerStep = 3
    c.groupSize = 4
    c.maxNewTokens = 12
    c.dynamicSampling = false
    c.curriculum = curriculum
    c.loss.beta = 0.05
    c.evalProblems = 4
    c.evalSamples = 4
    c.finalSamples = 4
    c.finalEvalProblems = 4
    c.timeLimitMinutes = 0
    return c
}

private func smallTask() throws -> ArithmeticTask {
    var task = ArithmeticConfig()
    task.maxDigits = 1
    task.heldOutSize = 10
    return try ArithmeticTask(config: task)
}

private func tinyPolicy() throws -> GPT {
    let model = try GPT(config: GPTConfig(vocabSize: Tokenizer.standard.vocabSize, contextLength: 96, layers: 1, heads: 2, width: 16))
    model.initialize(seed: 1)
    return model
}

/// The single-process run: `RLRun` over a `LocalSource`, as `train` builds it.
private func trainer(_ algo: Algorithm, curriculum: Bool = false, runDir: String = NSTemporaryDirectory() + "nr-trainer-\(UUID().uuidString)",
                     config: RLConfig? = nil, state: RunState? = nil, policy: GPT? = nil,
                     verify: LocalSource.Verify? = nil) throws -> RLRun {
    let c = config ?? smallConfig(algo, curriculum: curriculum)
    let model = try policy ?? tinyPolicy()
    let task = try smallTask()
    let ledger = state?.ledger(maxInFlight: 1 << 30) ?? .fresh(config: c, maxInFlight: 1 << 30)
    let source = LocalSource(config: c, policy: model, codec: Tokenizer.standard, task: task, ledger: ledger,
                             verify: verify ?? LocalSource.builtIn(c.reward))
    return try RLRun(config: c, runDir: runDir, policy: model, codec: Tokenizer.standard, task: task, source: source,
                     state: state, log: { _ in })
}

/// Three groups of three completions of random lengths (ids 5…24), rewards alternating.
private func randomGroups() -> [ScoredGroup] {
    var rng = SplitMix64(seed: 3)
    var groups: [ScoredGroup] = []
    for g in 0..<3 {
        let prompt: [Int32] = (0..<(2 + g)).map { _ in Int32(rng.next() % 20) + 5 }
        var completions: [Completion] = []
        for _ in 0..<3 {
            let n = 1 + Int(rng.next() % 9)
            let tokens: [Int32] = (0..<n).map { _ in Int32(rng.next() % 20) + 5 }
            let logprobs: [Float] = (0..<n).map { _ in -3 + Float(rng.next() % 100) / 100 }
            completions.append(Completion(tokens: tokens, logprobs: logprobs, stopped: true))
        }
        let scores: [Score] = (0..<3).map { (i: Int) -> Score in
            Score(reward: Float((g + i) % 2), correct: (g + i) % 2 == 1, wellFormed: true, extracted: nil)
        }
        groups.append(ScoredGroup(prompt: prompt, completions: completions, scores: scores))
    }
    return groups
}

private func microModel() throws -> GPT {
    let model = try GPT(config: GPTConfig(vocabSize: 30, contextLength: 16, layers: 1, heads: 2, width: 8))
    model.initialize(seed: 2)
    return model
}

@Suite("Trainer")
struct TrainerTests {
    /// What an actor sends when it holds the reference: each completion's reference
    /// log-probs, from its own copy of the base, in its own batch shape.
    private func withReference(_ groups: [ScoredGroup], _ c: RLConfig) throws -> [ScoredGroup] {
        let actorsCopy = try microModel()
        return try groups.map { g in
            var g = g
            let lp = try actorsCopy.completionLogprobs(prompts: Array(repeating: g.prompt, count: g.completions.count),
                                                       completions: g.completions.map(\.tokens), temperature: c.temperature)
            for i in g.completions.indices { g.completions[i].referenceLogprobs = lp[i] }
            return g
        }
    }

    /// Reference log-probs computed by the actor give the update the learner makes when it
    /// computes them itself; a group whose claim is off is caught by the audit, reported as
    /// forged and left out (the update equals the one without it).
    @Test func referenceLogprobsFromActorsGiveTheSameUpdateAndForgeriesAreCaught() throws {
        var c = RLConfig()
        c.groupSize = 3
        c.loss.beta = 0.05
        c.epochs = 2
        c.temperature = 0.9
        let plain = randomGroups(), claimed = try withReference(plain, c)
        var forged = claimed
        forged[1].completions[2].referenceLogprobs = forged[1].completions[2].referenceLogprobs!.map { $0 + 0.5 }
        func update(_ groups: [ScoredGroup]) throws -> (params: [Float], stats: UpdateStats) {
            let model = try microModel()
            var audit = UpdaterSettings()
            audit.referenceAuditFraction = 1
            let updater = try PolicyUpdater(config: c, policy: model, settings: audit)
            let stats = try updater.update(groups)
            return (model.params.array, stats)
        }
        let here = try update(plain), there = try update(claimed)
        #expect(there.stats.forgedGroups.isEmpty)
        let worst = zip(here.params, there.params).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "largest parameter difference \(worst)")
        #expect(abs(here.stats.kl - there.stats.kl) < 1e-5)
        let caught = try update(forged), without = try update([plain[0], plain[2]])
        #expect(caught.stats.forgedGroups == [1])
        #expect(zip(caught.params, without.params).map { abs($0 - $1) }.max()! < 1e-5)
    }

    /// The reference scorer's log-probs are the sequence's own (GPT.tokenLogprobs), whatever
    /// batches the rows fall into; a lower temperature sharpens them.
    @Test func completionLogprobsAreEachRowsTokenLogprobs() throws {
        let model = try microModel()
        let groups = randomGroups()
        let prompts = groups.flatMap { g in g.completions.map { _ in g.prompt } }, completions = groups.flatMap { $0.completions.map(\.tokens) }
        for positions in [4096, 20] {
            let lp = try model.completionLogprobs(prompts: prompts, completions: completions, temperature: 1, positions: positions)
            for i in prompts.indices {
                let whole = try model.tokenLogprobs(prompts[i] + completions[i])
                let expected = Array(whole[(prompts[i].count - 1)...])
                #expect(lp[i].count == completions[i].count)
                #expect(zip(lp[i], expected).allSatisfy { abs($0 - $1) < 1e-5 }, "row \(i), \(positions) positions per batch")
            }
        }
        let cold = try model.completionLogprobs(prompts: prompts, completions: completions, temperature: 0.5)
        #expect(cold.joined().allSatisfy { $0 <= 0 } && cold.joined().contains { $0 < -1e-3 })
    }

    @Test(arguments: Algorithm.allCases)
    func aStepUpdatesThePolicyAndReportsMetrics(algo: Algorithm) throws {
        // A reward every group varies in (the completion's length is even), so every
        // algorithm has signal: an untrained policy rarely earns the arithmetic reward.
        let evenLength: LocalSource.Verify = { _, text in
            Score(reward: text.count % 2 == 0 ? 1 : 0, correct: text.count % 2 == 0, wellFormed: true, extracted: nil)
        }
        let t = try trainer(algo, verify: evenLength)
        let before = t.policy.params.array
        let m = try #require(try t.trainStep())
        #expect(m.step == 1 && m.groupsTrained == 3 && m.groupsSampled == 3 && m.groupsArrived == 3)
        #expect(m.completionLength > 0 && m.completionLength <= 12)
        #expect(m.entropy > 0 && m.kl.isFinite && m.loss.isFinite)
        #expect((0...1).contains(m.zeroVarianceFraction))
        #expect(m.reward > 0 && m.reward < 1, "the rewards vary")
        #expect(t.policy.params.array != before, "\(algo) moved the policy")
    }

    /// Without signal (every completion scored 0) the advantage-weighted algorithms leave
    /// the policy where it was.
    @Test(arguments: [Algorithm.grpo, .rloo, .gspo])
    func noSignalLeavesThePolicyAlone(algo: Algorithm) throws {
        let zero: LocalSource.Verify = { _, _ in Score(reward: 0, correct: false, wellFormed: false, extracted: nil) }
        var c = smallConfig(algo, curriculum: false)
        c.dynamicSampling = false
        c.loss.beta = 0
        let t = try trainer(algo, config: c, verify: zero)
        let before = t.policy.params.array
        _ = try t.trainStep()
        #expect(t.policy.params.array == before)
    }

    /// PPO's critic is part of the checkpoint: a resumed run continues with the same head.
    @Test func aResumedPPORunKeepsItsValueHead() throws {
        let dir = NSTemporaryDirectory() + "nr-ppo-\(UUID().uuidString)"
        let t = try trainer(.ppo, runDir: dir)
        _ = try t.trainStep()
        let head = try #require(t.updater.valueHead)
        head.params.pointer[0] = 0.625  // a value no fresh head has
        try t.saveCheckpoint()
        let resumed = try trainer(.ppo, runDir: dir, state: try RLRun.savedState(runDir: dir))
        let again = try #require(resumed.updater.valueHead)
        #expect(again.params.array == head.params.array && again.started)
        #expect(again.optimizer.step == head.optimizer.step)
    }

    /// A resumed run's KL term pulls toward the base it started from, not the checkpoint.
    @Test func theReferenceIsTheBaseGivenNotThePolicy() throws {
        let shape = GPTConfig(vocabSize: 30, contextLength: 16, layers: 1, heads: 2, width: 8)
        let base = try GPT(config: shape), resumed = try GPT(config: shape)
        base.initialize(seed: 1)
        resumed.initialize(seed: 2)
        var withKL = RLConfig()
        withKL.loss.beta = 0.04
        let fresh = try PolicyUpdater(config: withKL, policy: resumed)
        #expect(try #require(fresh.reference).params.array == resumed.params.array)
        let continued = try PolicyUpdater(config: withKL, policy: resumed, reference: base)
        #expect(try #require(continued.reference).params.array == base.params.array && continued.policy.params.array == resumed.params.array)
        // Without a KL term no reference is held: a 135M-parameter model's copy is 538 MB.
        var noKL = withKL
        noKL.loss.beta = 0
        #expect(try PolicyUpdater(config: noKL, policy: resumed).reference == nil)
    }

    /// Sorting rows by length into micro-batches must not change the update: the losses
    /// divide by the whole update's rows and tokens, and gradients add up across micro-batches.
    @Test(arguments: [Algorithm.grpo, .kimi, .ppo, .gspo])
    func microBatchesGiveTheSameUpdateAsOneBatch(algo: Algorithm) throws {
        var c = RLConfig()
        c.algorithm = algo
        c.groupSize = 3
        c.loss.beta = 0.05
        c.entropyCoef = 0.01
        c.epochs = 2
        let groups = randomGroups()
        var params: [[Float]] = [], grads: [[Float]] = [], stats: [UpdateStats] = []
        for positions in [1 << 20, 12] {
            let model = try GPT(config: GPTConfig(vocabSize: 30, contextLength: 16, layers: 1, heads: 2, width: 8))
            model.initialize(seed: 2)
            c.microBatchTokens = positions
            let updater = try PolicyUpdater(config: c, policy: model)
            stats.append(try updater.update(groups))
            params.append(model.params.array)
            grads.append(model.grads.array)  // the last epoch's: AdamW's step hides a gradient's scale
        }
        let scale = grads[0].map(abs).max()!
        #expect(scale > 0 && zip(grads[0], grads[1]).allSatisfy { abs($0 - $1) < 1e-4 * scale })
        let worst = zip(params[0], params[1]).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "largest parameter difference \(worst)")
        #expect(abs(stats[0].loss - stats[1].loss) < 1e-4 && abs(stats[0].kl - stats[1].kl) < 1e-5)
        #expect(abs(stats[0].entropy - stats[1].entropy) < 1e-4)
    }

    @Test func evaluationReportsPassAtK() throws {
        let t = try trainer(.grpo)
        var c = t.config
        c.evalSamples = 8
        let r = try evaluateHeldOut(policy: t.policy, codec: Tokenizer.standard, task: try smallTask(), config: c,
                                    verify: LocalSource.builtIn(c.reward), problems: 4, samples: 16)  // pass@8 and maj@8 from 16 samples
        #expect(r.problems == 4 && r.samplesPerProblem == 16)
        #expect(r.passAtK["1"] != nil && r.passAtK["8"] != nil && r.majAtK["8"] != nil)
    }

    /// The held-out evaluation scores with the verifier the run trains with (an external one
    /// here, which calls every completion right), not always the built-in checker.
    @Test func heldOutEvaluationUsesTheRunsVerifier() throws {
        let t = try trainer(.grpo)
        let allRight: LocalSource.Verify = { _, _ in Score(reward: 1, correct: true, wellFormed: true, extracted: "x") }
        let r = try evaluateHeldOut(policy: t.policy, codec: Tokenizer.standard, task: try smallTask(), config: t.config,
                                    verify: allRight, problems: 3, samples: 2)
        #expect(r.passAtK["1"] == 1 && r.meanReward == 1)
        let dir = NSTemporaryDirectory() + "nr-verify-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = t.config
        let source = LocalSource(config: c, policy: t.policy, codec: Tokenizer.standard, task: try smallTask(),
                                 ledger: .fresh(config: c, maxInFlight: 1 << 30), verify: allRight)
        let run = try RLRun(config: c, runDir: dir, policy: t.policy, codec: Tokenizer.standard, task: try smallTask(),
                            source: source, verify: allRight, log: { _ in })
        #expect(try run.evaluate(problems: 2, samples: 2).passAtK["1"] == 1)
    }

    @Test func badConfigIsNamed() {
        var c = RLConfig()
        c.groupSize = 1
        do { try c.validate(); Issue.record("expected an error") } catch { #expect("\(error)".contains("group_size")) }
        c = RLConfig()
        c.evalEvery = -1
        do { try c.validate(); Issue.record("expected an error") } catch { #expect("\(error)".contains("eval_every")) }
        c.evalEvery = 0  // 0 = only before and after training
        #expect(throws: Never.self) { try c.validate() }
        c.gradClip = -1
        do { try c.validate(); Issue.record("expected an error") } catch { #expect("\(error)".contains("grad_clip")) }
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
        #expect(t.source.ledger { $0.curriculum } != nil)
        // An untrained policy is always wrong: after a few groups most prompts are passed over.
        #expect(t.source.ledger { $0.counts.skippedByCurriculum } > 0)
    }
}
