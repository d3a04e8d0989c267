import Eval
import Foundation
import Kernels
import Policy
import Ranks
import Tasks
import TinyGPT

/// One RL run, whoever samples: batches assembled from a `GroupSource` (staleness bound,
/// dynamic sampling's zero-variance drop, an arrival cap), the update, step and time
/// limits, periodic and final held-out evaluation, checkpoints, `metrics.jsonl`, `plot.svg`
/// and the summary. `train` plugs in a `LocalSource`, the cluster's learner a broker.
public final class RLRun {
    public let config: RLConfig
    public let runDir: String
    public let updater: PolicyUpdater
    /// The policy's prompts and completions' text: our tokenizer, or a chat model's template.
    let codec: any PromptCodec
    let task: any ProblemSet
    /// The verifier the run trains with, which its held-out evaluations score with too.
    let verify: LocalSource.Verify
    let source: GroupSource
    let log: (String) -> Void
    /// Files copied into every checkpoint (the base's trainer state, for its task config).
    let baseFiles: [String: Data]
    /// Called after every step (the default logs one line).
    public var onStep: ((StepMetrics) -> Void)?
    /// Called with every step's metrics as well as `onStep` (or the log line): live metrics.
    public var onMetrics: ((StepMetrics) -> Void)?
    /// Called after each held-out evaluation (before, every `eval.every` steps, after).
    public var onEval: ((EvalPoint) -> Void)?

    /// Updates so far; also the policy version (the version is counted here and only here).
    public private(set) var step = 0
    private var elapsed = 0.0
    private var lastStepSeconds = 0.0
    private var before: Evaluator.Report?
    private var evals: [EvalPoint] = []
    /// Groups that arrived after the last batch was full: the next batch starts with them.
    private var carried: [SourcedGroup] = []
    /// Batches in a row with every group flat: said, and the run stops after `maxFlatBatches`.
    private var noSignal = NoSignalWatch()
    private var staleness = (sum: 0.0, count: 0)
    private var sampled = (tokens: 0, trajectories: 0, seconds: 0.0)
    private var stopRequested = false
    private let stopLock = NSLock()

    public var checkpointDir: String { (runDir as NSString).appendingPathComponent("checkpoint") }
    public var metricsPath: String { (runDir as NSString).appendingPathComponent("metrics.jsonl") }
    /// Which prompts each step trained on or dropped as flat (`prompts.jsonl`).
    public var promptLogPath: String { (runDir as NSString).appendingPathComponent("prompts.jsonl") }
    private var promptLog: StepLog?
    public var plotPath: String { (runDir as NSString).appendingPathComponent("plot.svg") }
    public var policy: any CausalLM { updater.policy }

    /// `state` (read from the run's checkpoint with `--resume`) continues a run; the policy
    /// then holds the checkpoint's weights and the optimiser is loaded from it here.
    /// `updaterSettings` and `ranks` are the cluster learner's (`PolicyUpdater`).
    public init(config: RLConfig, runDir: String, policy: any CausalLM, codec: any PromptCodec, task: any ProblemSet,
                source: GroupSource, state: RunState? = nil, baseFiles: [String: Data] = [:], reference: (any CausalLM)? = nil,
                verify: LocalSource.Verify? = nil, updaterSettings: UpdaterSettings = UpdaterSettings(), ranks: RankGroup = SingleRank(),
                log: @escaping (String) -> Void) throws {
        try config.validate()
        self.config = config
        self.runDir = runDir
        self.codec = codec
        self.task = task
        self.verify = verify ?? LocalSource.builtIn(config.reward)
        self.source = source
        self.baseFiles = baseFiles
        self.log = log
        updater = try PolicyUpdater(config: config, policy: policy, reference: reference, settings: updaterSettings, ranks: ranks)
        if let s = state {
            try Checkpoint.loadOptimizer(updater.optimizer, from: checkpointDir)
            if let head = updater.valueHead { try Self.loadValueHead(head, from: checkpointDir) }
            updater.restore(updates: s.step)
            step = s.step
            elapsed = s.elapsedSeconds
            before = s.before
            evals = s.evals
            log("resuming at step \(s.step), cursor \(s.cursor), \(s.pending.count) pending prompts handed out first")
        }
    }

    /// PPO's critic from a checkpoint; one without (a run that was not PPO) leaves the head
    /// to start afresh, as a new PPO run's does.
    private static func loadValueHead(_ head: ValueHead, from dir: String) throws {
        let path = (dir as NSString).appendingPathComponent(ValueHead.checkpointFile)
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try head.restore(ValueHead.decode(Data(contentsOf: URL(fileURLWithPath: path))))
        } catch {
            throw TrainerError.cannotResume("\(path) is not a value head this model can use (\(error)); resume without PPO or start a new run")
        }
    }

    /// Reads a run's saved state (for `--resume`), or says what is missing.
    public static func savedState(runDir: String) throws -> RunState {
        let path = ((runDir as NSString).appendingPathComponent("checkpoint") as NSString).appendingPathComponent(RunState.file)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainerError.cannotResume("\(path) is missing: was the run started with this version of nanoreasoner?")
        }
        do { return try JSONDecoder().decode(RunState.self, from: data) } catch {
            throw TrainerError.cannotResume("\(path) does not decode: \(error)")
        }
    }

    /// Asks the run to stop after the current step (SIGTERM, Ctrl-C); a checkpoint is written.
    public func requestStop() { stopLock.lock(); stopRequested = true; stopLock.unlock() }
    private var shouldStop: Bool { stopLock.lock(); defer { stopLock.unlock() }; return stopRequested }

    /// Runs to `config.steps` (or the time limit, or a stop request); returns the summary.
    public func run() throws -> RunSummary {
        try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
        let metrics = try StepLog(path: metricsPath, resumingAt: step)
        promptLog = try StepLog(path: promptLogPath, resumingAt: step)
        defer { metrics.close(); promptLog?.close() }
        if let reference = updater.reference { source.publishReference(reference) }
        source.publish(policy, version: step)
        try evaluateBefore()
        _ = source.takeWindow()  // what the source did during the evaluation is not step 1's
        // The steps use the threads the source leaves them; nothing samples beside the final
        // evaluation, which takes every core.
        try Parallel.with(threads: source.updateThreads ?? Parallel.cores) {
            while step < config.steps && !shouldStop && !timeIsUp() && !noSignal.givenUp {
                guard var m = try trainStep() else { continue }
                try evaluatePeriodically(&m)
                metrics.write(try Self.encoder.encode(m))
                (onStep ?? logLine)(m)
                onMetrics?(m)
                if config.checkpointEvery > 0 && step % config.checkpointEvery == 0 { try saveCheckpoint() }
            }
        }
        source.stopServing()
        let after = try evaluateAfter()
        source.close(reason: step < config.steps ? "learner stopped" : "run finished")
        try saveCheckpoint()
        try RunPlot(metricsPath: metricsPath, evals: evals, k: config.evalSamples).write(to: plotPath)
        return summary(after: after)
    }

    // MARK: The step

    /// One step: a batch, the update, the new policy published. Nil when nothing was trained
    /// (every group flat, or a stop request came while the batch was filling).
    func trainStep() throws -> StepMetrics? {
        let start = Date()
        var m = StepMetrics(step: step + 1, policyVersion: step)
        var (batch, ages, flat) = try assembleBatch(&m)
        if shouldStop {
            // Stopping mid-batch: the groups go back in the queue for a resumed run.
            source.ledger { l in for g in batch { l.reissue(g.groupId) } }
            return nil
        }
        noSignal.saw(batchOf: batch.count, arrived: m.groupsArrived, flat: m.groupsZeroVariance, config: config, log: log)
        if batch.isEmpty { return nil }
        m.waitSeconds = Date().timeIntervalSince(start)
        let updateStart = Date()
        let u = try updater.update(batch.map(\.group))
        m.updateSeconds = Date().timeIntervalSince(updateStart)
        if !u.forgedGroups.isEmpty {
            dropForged(u.forgedGroups, from: &batch, ages: &ages)
            if batch.isEmpty { return nil }  // nothing honest to train on: not a step
        }
        logPrompts(step: step + 1, trained: batch, flat: flat)
        source.ledger { l in for g in batch { l.trained(g.groupId) } }
        step += 1
        source.publish(policy, version: step)

        m.record(scores: batch.flatMap(\.group.scores))
        m.record(u)
        m.groupsTrained = batch.count
        m.zeroVarianceFraction = Float(m.groupsZeroVariance) / Float(max(m.groupsArrived, 1))
        let ageSum = Double(ages.reduce(0, +))
        m.stalenessMean = ageSum / Double(max(ages.count, 1))
        m.stalenessMax = ages.max() ?? 0
        staleness = (staleness.sum + ageSum, staleness.count + ages.count)
        m.stepSeconds = Date().timeIntervalSince(start)
        elapsed += m.stepSeconds
        lastStepSeconds = m.stepSeconds
        m.elapsedSeconds = elapsed
        let w = source.takeWindow()
        m.record(w)
        sampled = (sampled.tokens + w.sampledTokens, sampled.trajectories + w.trajectories,
                   sampled.seconds + (w.samplingSeconds ?? m.stepSeconds))
        m.record(source.health)
        m.ledger = source.ledger { $0.counts }
        return m
    }

    /// Groups the update left out for forged log-probs: their prompts go back in the queue
    /// and the source hears who sent them.
    private func dropForged(_ indices: [Int], from batch: inout [SourcedGroup], ages: inout [Int]) {
        let forged = indices.map { batch[$0] }
        source.ledger { l in for g in forged { l.droppedForged(g.groupId) } }
        source.forged(forged)
        let keep = batch.indices.filter { !indices.contains($0) }
        batch = keep.map { batch[$0] }
        ages = keep.map { ages[$0] }
    }

    /// Fills a batch of `promptsPerStep` groups from what the source delivers: too-stale
    /// groups are dropped (their prompts return to the queue), flat ones too with dynamic
    /// sampling. Dynamic sampling looks at no more than (1 + max_resample_rounds) batches'
    /// worth of fresh groups, then trains on what it has; the surplus waits for the next step.
    func assembleBatch(_ m: inout StepMetrics) throws -> (batch: [SourcedGroup], ages: [Int], flat: [Int]) {
        let P = config.promptsPerStep
        let cap = P * (config.dynamicSampling ? 1 + config.maxResampleRounds : 1)
        var batch: [SourcedGroup] = [], ages: [Int] = [], flat: [Int] = []
        while batch.count < P && m.groupsArrived < cap && !shouldStop {
            let incoming = carried.isEmpty ? try source.take(need: P - batch.count, timeout: 0.25) : carried
            carried = []
            for (i, g) in incoming.enumerated() {
                if batch.count >= P || m.groupsArrived >= cap {
                    carried = Array(incoming[i...])
                    break
                }
                let age = step - g.group.policyVersion
                if age > config.maxStaleness {
                    source.ledger { $0.droppedStale(g.groupId) }
                    m.groupsDroppedStale += 1
                    continue
                }
                m.groupsArrived += 1
                if g.group.isZeroVariance {
                    m.groupsZeroVariance += 1
                    if config.dropsZeroVarianceGroups {
                        source.ledger { l in
                            if let p = l.prompt(of: g.groupId) { flat.append(p) }
                            l.droppedZeroVariance(g.groupId)
                        }
                        continue
                    }
                }
                batch.append(g)
                ages.append(age)
            }
        }
        return (batch, ages, flat)
    }

    /// One line of `prompts.jsonl`: the prompt indices this step trained on and those it
    /// dropped as flat, so a run (resumed or not) shows every prompt settled exactly once.
    private func logPrompts(step: Int, trained: [SourcedGroup], flat: [Int]) {
        let prompts = source.ledger { l in trained.compactMap { l.prompt(of: $0.groupId) } }
        if let data = try? Self.encoder.encode(PromptLine(step: step, trained: prompts, droppedFlat: flat)) { promptLog?.write(data) }
    }

    struct PromptLine: Codable {
        var step: Int
        var trained: [Int]
        var droppedFlat: [Int]
    }

    /// Another step of the last one's length would cross the time limit.
    func timeIsUp() -> Bool {
        guard config.timeLimitMinutes > 0, elapsed + lastStepSeconds > config.timeLimitMinutes * 60 else { return false }
        log("time limit of \(config.timeLimitMinutes) min reached at step \(step)")
        return true
    }

    private func logLine(_ m: StepMetrics) {
        log(String(format: "step %d/%d  reward %.3f  acc %.3f  kl %.4f  H %.2f  tok/s %.0f  staleness %.2f (max %d)  actors %d  verifiers %d  wait %.2fs update %.2fs",
                   m.step, config.steps, m.reward, m.accuracy, m.kl, m.entropy, m.sampledTokensPerSecond, m.stalenessMean, m.stalenessMax,
                   m.liveActors, m.liveVerifiers, m.waitSeconds, m.updateSeconds)
            + (m.evalPassAt1.map { String(format: "  eval pass@1 %.3f", $0) } ?? ""))
    }

    // MARK: Evaluation

    private var finalProblems: Int { min(config.finalEvalProblems, task.heldOut.count) }

    /// The current policy on the first `problems` held-out problems, scored by the run's verifier.
    func evaluate(problems: Int, samples: Int) throws -> Evaluator.Report {
        try evaluateHeldOut(policy: policy, codec: codec, task: task, config: config, verify: verify, problems: problems, samples: samples)
    }

    private func record(_ r: Evaluator.Report, at step: Int) {
        evals.append(EvalPoint(step: step, passAt1: r.passAtK["1"] ?? 0, passAtK: r.passAtK[String(config.evalSamples)] ?? 0))
        onEval?(evals.last!)
    }

    private func evaluateBefore() throws {
        guard before == nil && finalProblems > 0 else { return }
        log("evaluating the starting policy on \(finalProblems) held-out problems × \(config.finalSamples) samples")
        let r = try evaluate(problems: finalProblems, samples: config.finalSamples)
        before = r
        record(r, at: step)
        log(String(format: "before: pass@1 %.3f, pass@%d %.3f", r.passAtK["1"] ?? 0, config.evalSamples, r.passAtK[String(config.evalSamples)] ?? 0))
    }

    private func evaluatePeriodically(_ m: inout StepMetrics) throws {
        guard config.evalEvery > 0 && step % config.evalEvery == 0 && step < config.steps else { return }
        let r = try evaluate(problems: config.evalProblems, samples: config.evalSamples)
        m.evalPassAt1 = r.passAtK["1"]
        m.evalPassAtK = r.passAtK[String(config.evalSamples)]
        record(r, at: step)
    }

    private func evaluateAfter() throws -> Evaluator.Report? {
        guard !shouldStop && finalProblems > 0 else { return nil }
        log("evaluating the trained policy on \(finalProblems) held-out problems × \(config.finalSamples) samples")
        let r = try evaluate(problems: finalProblems, samples: config.finalSamples)
        record(r, at: step)
        return r
    }

    // MARK: Files

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    /// Weights, optimiser and the data stream's position, written atomically.
    public func saveCheckpoint() throws {
        let (cursor, pending, counts, curriculum) = source.ledger { ($0.cursor, $0.pendingPrompts, $0.counts, $0.curriculum) }
        let state = RunState(step: step, cursor: cursor, pending: pending, ledger: counts, elapsedSeconds: elapsed,
                             seed: config.seed, before: before, evals: evals, curriculum: curriculum)
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.sortedKeys, .prettyPrinted]
        var files = baseFiles.merging(codec.checkpointFiles(contextLength: policy.contextLength)) { _, ours in ours }
        files[RunState.file] = try pretty.encode(state)
        files["rl_config.json"] = try pretty.encode(config)
        if let head = updater.valueHead { files[ValueHead.checkpointFile] = try ValueHead.encode(head.saved) }
        try ModelFamily.save(policy, optimizer: updater.optimizer, files: files, configExtras: codec.configIds, to: checkpointDir)
    }

    private func summary(after: Evaluator.Report?) -> RunSummary {
        let b1 = before?.passAtK["1"] ?? 0
        let health = source.health
        return RunSummary(algorithm: config.algorithm.rawValue, steps: step, seconds: elapsed, before: before, after: after,
                          passAt1Gain: after.map { b1 > 0 ? ($0.passAtK["1"] ?? 0) / b1 : 0 },
                          ledger: source.ledger { $0.counts }, rejectedMessages: health.rejectedMessages,
                          verifierTimeouts: health.verifierTimeouts, security: health.security,
                          stalenessMean: staleness.sum / Double(max(staleness.count, 1)),
                          sampledTokensPerSecond: Double(sampled.tokens) / max(sampled.seconds, 1e-9),
                          trajectoriesPerSecond: Double(sampled.trajectories) / max(sampled.seconds, 1e-9),
                          checkpoint: checkpointDir, log: metricsPath, plot: plotPath, stoppedEarly: step < config.steps,
                          peakResidentBytes: health.workerPeakResidentBytes.merging(["learner": ProcessMemory.peakResidentBytes()]) { $1 })
    }
}
