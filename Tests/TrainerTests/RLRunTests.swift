import Foundation
import Kernels
import Testing
@testable import Tasks
@testable import TinyGPT
@testable import Trainer
@testable import Sampler
@testable import Verifier
import Plots
import Completions

/// A source that delivers scripted groups (rewards and the policy version that sampled
/// them), recording each in a real ledger, as the broker does.
final class ScriptedSource: GroupSource {
    var script: [[(rewards: [Float], version: Int)]]
    var ledgerValue = WorkLedger(cursor: 0, maxInFlight: 1 << 20)
    var published: [Int] = []
    var calls = 0
    var forgedReported: [UInt64] = []

    init(_ script: [[(rewards: [Float], version: Int)]]) { self.script = script }

    func take(need: Int, timeout: Double) throws -> [SourcedGroup] {
        calls += 1
        guard !script.isEmpty else { return [] }
        return script.removeFirst().map { g in
            let id = ledgerValue.assign(to: "scripted", credits: 1)[0].groupId
            _ = ledgerValue.receive(id)
            _ = ledgerValue.score(id)
            let completions = g.rewards.map { _ in Completion(tokens: [5, 6], logprobs: [-1, -1], stopped: true) }
            let scores = g.rewards.map { Score(reward: $0, correct: $0 > 0.5, wellFormed: true, extracted: nil) }
            return SourcedGroup(groupId: id, group: ScoredGroup(prompt: [1, 7], completions: completions, scores: scores,
                                                                policyVersion: g.version))
        }
    }
    func ledger<T>(_ body: (inout WorkLedger) -> T) -> T { body(&ledgerValue) }
    func publish(_ policy: any CausalLM, version: Int) { published.append(version) }
    var updateThreads: Int? { nil }
    func takeWindow() -> SourceWindow { SourceWindow() }
    var health: SourceHealth { SourceHealth() }
    func stopServing() {}
    func forged(_ groups: [SourcedGroup]) { forgedReported += groups.map(\.groupId) }
    func close(reason: String) {}
}

@Suite("RLRun (the one loop)")
struct RLRunTests {
    static func run(_ source: ScriptedSource, configure: (inout RLConfig) -> Void = { _ in }) throws -> RLRun {
        var c = RLConfig()
        c.promptsPerStep = 3
        c.groupSize = 2
        c.maxResampleRounds = 1
        c.loss.beta = 0
        configure(&c)
        let model = try GPT(config: GPTConfig(vocabSize: 30, contextLength: 16, layers: 1, heads: 2, width: 8))
        model.initialize(seed: 2)
        var task = ArithmeticConfig()
        task.maxDigits = 1
        task.heldOutSize = 4
        return try RLRun(config: c, runDir: NSTemporaryDirectory() + "nr-rlrun-\(UUID().uuidString)", policy: model,
                         codec: Tokenizer.standard, task: ArithmeticTask(config: task), source: source, log: { _ in })
    }

    @Test func staleAndFlatGroupsAreDroppedAndTheirFatesRecorded() throws {
        let mixed: [Float] = [0, 1], flat: [Float] = [1, 1]
        // At step 0 a group of version −3 is 3 versions old: above max_staleness 2.
        let source = ScriptedSource([[(mixed, -3), (flat, 0), (mixed, 0)], [(mixed, 0), (mixed, 0)]])
        let run = try Self.run(source)
        var m = StepMetrics(step: 1, policyVersion: 0)
        let (batch, ages, _) = try run.assembleBatch(&m)
        #expect(batch.count == 3 && ages == [0, 0, 0])
        #expect(m.groupsDroppedStale == 1 && m.groupsZeroVariance == 1 && m.groupsArrived == 4)
        let c = source.ledgerValue.counts
        #expect(c.droppedStale == 1 && c.droppedZeroVariance == 1 && c.lost == 0)
        #expect(source.ledgerValue.pendingPrompts.contains(0), "the stale group's prompt went back in the queue and out again")
    }

    @Test func theArrivalCapEndsASlowBatchAndTheSurplusWaits() throws {
        let flat: [Float] = [0, 0], mixed: [Float] = [0, 1]
        // Cap = 3 prompts × (1 + 1 round) = 6 fresh groups; all flat but the last two.
        let source = ScriptedSource([[(flat, 0), (flat, 0), (flat, 0)], [(flat, 0), (flat, 0), (mixed, 0), (mixed, 0)],
                                     [(mixed, 0), (mixed, 0)]])
        let run = try Self.run(source)
        var m = StepMetrics(step: 1, policyVersion: 0)
        let (batch, _, _) = try run.assembleBatch(&m)
        #expect(batch.count == 1 && m.groupsArrived == 6, "trains on what it has after the cap")
        // The group past the cap is not lost: the next batch starts with it.
        var next = StepMetrics(step: 2, policyVersion: 0)
        let (second, _, _) = try run.assembleBatch(&next)
        #expect(second.count == 3 && second[0].groupId == 7 && source.ledgerValue.counts.lost == 0)
    }

    @Test func aWholeRunTrainsPublishesAndReportsEveryGroup() throws {
        let mixed: [Float] = [0, 1]
        let source = ScriptedSource(Array(repeating: [(mixed, 0), (mixed, 0), (mixed, 0)], count: 3))
        let run = try Self.run(source) { c in c.steps = 3; c.finalEvalProblems = 0; c.maxStaleness = 10 }
        let s = try run.run()
        #expect(s.steps == 3 && source.published == [0, 1, 2, 3], "every version is published once, counted by the run")
        #expect(s.ledger.trained == 9 && s.ledger.lost == 0)
        let lines = try String(contentsOfFile: s.log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(FileManager.default.fileExists(atPath: s.plot) && FileManager.default.fileExists(atPath: run.checkpointDir + "/" + RunState.file))
    }

    @Test func theTimeLimitStopsBeforeAStepWouldCrossIt() throws {
        let mixed: [Float] = [0, 1]
        let source = ScriptedSource(Array(repeating: [(mixed, 0), (mixed, 0), (mixed, 0)], count: 5))
        let run = try Self.run(source) { c in c.steps = 5; c.finalEvalProblems = 0; c.maxStaleness = 10; c.timeLimitMinutes = 1e-9 }
        #expect(!run.timeIsUp(), "no step taken yet: the first one always runs")
        let s = try run.run()
        #expect(s.steps == 1 && s.stoppedEarly, "a second step of the first one's length would cross the limit")
    }

    @Test func kimiMakesOnePassUnlessTold() {
        #expect(RLConfig(algorithm: .kimi).passes == 1 && RLConfig(algorithm: .grpo).passes == 2)
        var c = RLConfig(algorithm: .grpo)
        c.algorithm = .kimi  // set after construction, as a config file or --set does
        #expect(c.passes == 1)
        c.epochs = 3
        #expect(c.passes == 3)
    }
}

@Suite("train in one process")
struct LocalRunTests {
    @Test func aRunEvaluatesBeforeAndAfterAndResumes() throws {
        let dir = NSTemporaryDirectory() + "nr-local-\(UUID().uuidString)"
        var c = RLConfig(algorithm: .grpo)
        c.promptsPerStep = 2; c.groupSize = 2; c.maxNewTokens = 8; c.dynamicSampling = false; c.curriculum = false
        c.evalSamples = 2; c.finalSamples = 2; c.finalEvalProblems = 3; c.timeLimitMinutes = 0; c.steps = 2
        func make(_ c: RLConfig, state: RunState?) throws -> RLRun {
            let model: GPT
            if state != nil { model = try Checkpoint.loadModel(from: dir + "/checkpoint") } else {
                model = try GPT(config: GPTConfig(vocabSize: Tokenizer.standard.vocabSize, contextLength: 64, layers: 1, heads: 2, width: 16))
                model.initialize(seed: 1)
            }
            var tc = ArithmeticConfig()
            tc.maxDigits = 1
            tc.heldOutSize = 5
            let task = try ArithmeticTask(config: tc)
            let ledger = state?.ledger(maxInFlight: 1 << 30) ?? .fresh(config: c, maxInFlight: 1 << 30)
            let source = LocalSource(config: c, policy: model, codec: Tokenizer.standard, task: task, ledger: ledger, verify: LocalSource.builtIn(c.reward))
            return try RLRun(config: c, runDir: dir, policy: model, codec: Tokenizer.standard, task: task, source: source, state: state, log: { _ in })
        }
        let first = try make(c, state: nil).run()
        #expect(first.steps == 2 && first.before != nil && first.after != nil && first.ledger.trained == 4)
        let state = try RLRun.savedState(runDir: dir)
        #expect(state.step == 2 && state.evals.map(\.step) == [0, 2])
        c.steps = 4
        let second = try make(c, state: state).run()
        #expect(second.steps == 4 && second.ledger.trained == 8 && second.ledger.lost == 0)
        let lines = try String(contentsOfFile: second.log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4, "the resumed run appends to the metrics log")
        // The plot draws every evaluation: before, the first run's end, and the end.
        let svg = try String(contentsOfFile: second.plot, encoding: .utf8)
        #expect(svg.contains("held-out pass@k"))
        #expect(try RLRun.savedState(runDir: dir).evals.map(\.step) == [0, 2, 4])
    }
}

/// A run whose verifier scores every completion the same has nothing to learn from: it says
/// so and stops after `maxFlatBatches` such batches, instead of sampling forever in silence.
@Suite("No signal")
struct NoSignalTests {
    @Test func aRunWithEveryGroupFlatSaysWhyAndStops() throws {
        let dir = NSTemporaryDirectory() + "nr-flat-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = RLConfig(algorithm: .grpo)
        c.promptsPerStep = 2; c.groupSize = 2; c.maxNewTokens = 4; c.curriculum = false
        c.evalSamples = 2; c.finalSamples = 2; c.evalProblems = 2; c.finalEvalProblems = 2; c.timeLimitMinutes = 0
        c.steps = 50; c.maxFlatBatches = 3
        let model = try GPT(config: GPTConfig(vocabSize: Tokenizer.standard.vocabSize, contextLength: 32, layers: 1, heads: 2, width: 8))
        model.initialize(seed: 2)
        var tc = ArithmeticConfig()
        tc.maxDigits = 1
        tc.heldOutSize = 4
        let task = try ArithmeticTask(config: tc)
        let zero: LocalSource.Verify = { _, _ in Score(reward: 0, correct: false, wellFormed: false, extracted: nil) }
        let source = LocalSource(config: c, policy: model, codec: Tokenizer.standard, task: task,
                                 ledger: .fresh(config: c, maxInFlight: 1 << 30), verify: zero)
        var lines: [String] = []
        let summary = try RLRun(config: c, runDir: dir, policy: model, codec: Tokenizer.standard, task: task, source: source,
                                log: { lines.append($0) }).run()
        #expect(summary.steps == 0 && summary.stoppedEarly)
        #expect(lines.filter { $0.hasPrefix("no signal: all") }.count == 3)
        #expect(lines.filter { $0.contains("group_size") }.count == 1, "the advice once, then a short line per batch")
        #expect(lines.contains { $0.contains("100 % of the") && $0.contains("3 batches in a row") })
        #expect(lines.contains { $0.hasPrefix("stopping: 3 batches in a row without signal") })
        #expect(summary.ledger.lost == 0, "the flat groups' prompts are settled, not lost")
    }

    @Test func aBatchWithSignalResetsTheCount() {
        var w = NoSignalWatch(), c = RLConfig()
        c.maxFlatBatches = 2
        w.saw(batchOf: 0, arrived: 4, flat: 4, config: c) { _ in }
        w.saw(batchOf: 3, arrived: 4, flat: 1, config: c) { _ in }
        w.saw(batchOf: 0, arrived: 4, flat: 4, config: c) { _ in }
        #expect(!w.givenUp && w.flatInARow == 1)
        w.saw(batchOf: 0, arrived: 0, flat: 0, config: c) { _ in }  // nothing arrived: no verdict
        w.saw(batchOf: 0, arrived: 2, flat: 2, config: c) { _ in }
        #expect(w.givenUp && w.groupsSeen == 14 && w.flatSeen == 11)
        c.maxFlatBatches = 0
        var keepGoing = NoSignalWatch()
        for _ in 0..<10 { keepGoing.saw(batchOf: 0, arrived: 1, flat: 1, config: c) { _ in } }
        #expect(!keepGoing.givenUp)
    }
}

@Suite("Plot ticks")
struct PlotTickTests {
    @Test func ticksSitAtRoundValuesCoveringTheRange() {
        let t = SVGPlot.ticks(0, 23640.92)
        #expect(t.values == [0, 10000, 20000, 30000] && t.label(10000) == "10000")
        let p = SVGPlot.ticks(0.104, 0.232)
        #expect(p.values.first! <= 0.104 && p.values.last! >= 0.232 && p.values.count == 4 && p.label(p.values[1]) == "0.15")
        let steps = SVGPlot.ticks(1, 3, integers: true)
        #expect(steps.values == [1, 2, 3] && steps.label(2) == "2")
    }
}
