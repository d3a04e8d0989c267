import Cluster
import Dispatch
import Foundation
import Kernels
import Plots
import Eval
import Tasks
import TinyGPT
import Trainer
import Transport
import Wire

/// The learner process: owns the dataset cursor, the policy, the reference and the
/// optimiser. Its broker thread does all messaging; this (training) thread assembles
/// batches from scored groups as they arrive, updates, publishes weights, evaluates and
/// checkpoints.
public final class Learner {
    public let config: ExperimentConfig
    let updater: PolicyUpdater
    let tokenizer: Tokenizer
    let task: ArithmeticTask
    let broker: Broker
    let log: (String) -> Void
    var step = 0
    var version = 0
    var elapsed = 0.0
    var lastStepSeconds = 0.0
    var before: Evaluator.Report?
    private let baseState: Data?
    private var stopRequested = false
    private let stopLock = NSLock()

    public var runDir: String { config.out }
    public var checkpointDir: String { (config.out as NSString).appendingPathComponent("checkpoint") }
    public var metricsPath: String { (config.out as NSString).appendingPathComponent("metrics.jsonl") }

    /// Loads the policy (from `run.init_from`, or the run's own checkpoint with `resume`) and binds the ports.
    public init(config: ExperimentConfig, resume: Bool, log: @escaping (String) -> Void) throws {
        self.config = config
        self.log = log
        let ckpt = (config.out as NSString).appendingPathComponent("checkpoint")
        let source = resume ? ckpt : config.initFrom
        let (model, tok) = try PolicyFiles.load(source)
        tokenizer = tok
        task = try ArithmeticTask(config: PolicyFiles.taskConfig(of: source))
        baseState = FileManager.default.contents(atPath: PolicyFiles.stateFile(source))
        updater = try PolicyUpdater(config: config.rl, policy: model)
        var ledger = WorkLedger(cursor: RLTrainer.firstTrainProblem, maxInFlight: config.cluster.maxInFlight)
        if resume {
            let path = (ckpt as NSString).appendingPathComponent(LearnerState.file)
            guard let data = FileManager.default.contents(atPath: path),
                  let s = try? JSONDecoder().decode(LearnerState.self, from: data) else {
                throw PolicyFilesError("cannot resume: \(path) is missing or unreadable (was the run started by `learner`?)")
            }
            try Checkpoint.loadOptimizer(updater.optimizer, from: ckpt)
            updater.restore(updates: s.step)
            step = s.step
            version = s.policyVersion
            elapsed = s.elapsedSeconds
            before = s.before
            ledger = WorkLedger(cursor: s.cursor, pending: s.pending, counts: s.ledger, maxInFlight: config.cluster.maxInFlight)
            ledger.curriculum = s.curriculum
            log("resuming at step \(s.step), cursor \(s.cursor), \(s.pending.count) pending prompts handed out first")
        } else {
            ledger.curriculum = config.rl.makeCurriculum()
        }
        var sampling = config.rl.samplingParams
        sampling.maxNewTokens = config.rl.maxNewTokens
        let ws = WorkerSettings(sampling: sampling, groupSize: config.rl.groupSize, model: model.config,
                                tokenizerJSON: String(decoding: tokenizer.descriptionJSON(), as: UTF8.self),
                                reward: config.rl.reward, seed: config.rl.seed, heartbeatInterval: config.cluster.heartbeatInterval,
                                externalVerifier: config.externalVerifier, externalVerifierTimeout: config.externalVerifierTimeout)
        let task = self.task
        broker = Broker(settings: config.cluster, workerSettings: ws, ledger: ledger, tokenizer: tokenizer,
                        problem: { task.trainProblem(at: $0) }, log: log)
        try broker.start()
        log("listening: " + config.cluster.bindEndpoints.all.map { "\($0.name) \($0.endpoint)" }.joined(separator: ", "))
    }

    /// Asks the run to stop after the current step (SIGTERM, Ctrl-C); a checkpoint is written.
    public func requestStop() {
        stopLock.lock(); stopRequested = true; stopLock.unlock()
    }

    private var shouldStop: Bool { stopLock.lock(); defer { stopLock.unlock() }; return stopRequested }

    /// Runs to `algorithm.steps` (or the time limit, or a stop request); returns the summary.
    public func run() throws -> LearnerSummary {
        try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: metricsPath) || step == 0 {
            _ = FileManager.default.createFile(atPath: metricsPath, contents: nil)
        }
        guard let logFile = FileHandle(forWritingAtPath: metricsPath) else { throw PolicyFilesError("cannot write \(metricsPath)") }
        logFile.seekToEndOfFile()
        let control = try ZMQSocket(broker.context, .push)
        try control.connect(broker.controlEndpoint)
        publishWeights(control)

        let rl = config.rl
        let finalProblems = min(config.finalEvalProblems, task.heldOut.count)
        if before == nil && finalProblems > 0 {
            log("evaluating the starting policy on \(finalProblems) held-out problems × \(rl.finalSamples) samples")
            before = try evaluateHeldOut(policy: updater.policy, tokenizer: tokenizer, task: task, config: rl,
                                         problems: finalProblems, samples: rl.finalSamples)
            log(String(format: "before: pass@1 %.3f, pass@%d %.3f", before!.passAtK["1"] ?? 0, rl.evalSamples, before!.passAtK[String(rl.evalSamples)] ?? 0))
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        var history: [LearnerStepMetrics] = []
        var stalenessSum = 0.0, stalenessCount = 0
        var tokensTotal = 0, trajectoriesTotal = 0, sampleWindow = 0.0
        _ = broker.takeWindow()
        broker.setServing(true)
        let allThreads = Parallel.threads
        Parallel.threads = config.cluster.learnerThreads
        while step < rl.steps && !shouldStop {
            if rl.timeLimitMinutes > 0 && elapsed + lastStepSeconds > rl.timeLimitMinutes * 60 {
                log("time limit of \(rl.timeLimitMinutes) min reached at step \(step)")
                break
            }
            let start = Date()
            var m = LearnerStepMetrics(step: step + 1, policyVersion: version)
            var batch: [ArrivedGroup] = []
            var staleness: [Int] = [], arrived = 0
            // As in the single-process loop, dynamic sampling looks at no more than
            // (1 + max_resample_rounds) batches' worth of groups, then trains on what it has.
            let arrivalCap = rl.promptsPerStep * (rl.dynamicSampling ? 1 + rl.maxResampleRounds : 1)
            while batch.count < rl.promptsPerStep && arrived < arrivalCap && !shouldStop {
                guard let a = broker.arrivals.take(timeout: 0.25) else { continue }
                let age = version - a.group.policyVersion
                if age > config.cluster.maxStaleness {
                    broker.ledger { $0.droppedStale(a.groupId) }
                    m.groupsDroppedStale += 1
                    continue
                }
                arrived += 1
                if a.group.isZeroVariance {
                    m.groupsZeroVariance += 1
                    if rl.dropsZeroVarianceGroups {
                        broker.ledger { $0.droppedZeroVariance(a.groupId) }
                        continue
                    }
                }
                batch.append(a)
                staleness.append(age)
            }
            if shouldStop {
                // Stopping mid-batch: the groups go back in the queue for a resumed run.
                for a in batch { broker.ledger { $0.reissue(a.groupId) } }
                break
            }
            if batch.isEmpty { continue }  // every group was flat: keep sampling
            m.learnerWaitSeconds = Date().timeIntervalSince(start)
            let updateStart = Date()
            let u = try updater.update(batch.map(\.group), pad: Tokenizer.pad)
            m.learnerUpdateSeconds = Date().timeIntervalSince(updateStart)
            for a in batch { broker.ledger { $0.trained(a.groupId) } }
            step += 1
            version += 1
            if version % config.cluster.broadcastEvery == 0 { publishWeights(control) }

            var tm = StepMetrics(step: step, zeroVarianceFraction: 0, sampledTokensPerSecond: 0, groupsTrained: batch.count, groupsSampled: arrived)
            tm.record(scores: batch.flatMap(\.group.scores))
            tm.record(u)
            m.reward = tm.reward; m.accuracy = tm.accuracy; m.formatRate = tm.formatRate
            m.loss = u.loss; m.kl = u.kl; m.entropy = u.entropy; m.clipFraction = u.clipFraction; m.completionLength = u.completionLength
            m.groupsTrained = batch.count
            m.zeroVarianceFraction = Float(m.groupsZeroVariance) / Float(max(arrived, 1))
            m.stalenessMean = Double(staleness.reduce(0, +)) / Double(max(staleness.count, 1))
            m.stalenessMax = staleness.max() ?? 0
            stalenessSum += Double(staleness.reduce(0, +)); stalenessCount += staleness.count
            m.stepSeconds = Date().timeIntervalSince(start)
            elapsed += m.stepSeconds
            lastStepSeconds = m.stepSeconds
            m.elapsedSeconds = elapsed
            let w = broker.takeWindow()
            m.sampledTokensPerSecond = Double(w.sampledTokens) / max(m.stepSeconds, 1e-9)
            m.trajectoriesPerSecond = Double(w.trajectories) / max(m.stepSeconds, 1e-9)
            tokensTotal += w.sampledTokens; trajectoriesTotal += w.trajectories; sampleWindow += m.stepSeconds
            m.wireBytes = w.wireBytes
            m.compressionRatio = w.wireBytes > 0 ? Double(w.payloadBytes) / Double(w.wireBytes) : 0
            m.broadcastSeconds = w.publishSeconds
            m.rejectedMessages = broker.rejects.total
            m.verifierTimeouts = broker.verifierTimeouts
            (m.liveActors, m.liveVerifiers) = broker.liveWorkers
            m.actorIdleFraction = broker.actorIdleFraction
            m.ledger = broker.ledger { $0.counts }

            if rl.evalEvery > 0 && step % rl.evalEvery == 0 && step < rl.steps {
                let r = try evaluateHeldOut(policy: updater.policy, tokenizer: tokenizer, task: task, config: rl,
                                            problems: rl.evalProblems, samples: rl.evalSamples)
                m.evalPassAt1 = r.passAtK["1"]
                m.evalPassAtK = r.passAtK[String(rl.evalSamples)]
            }
            history.append(m)
            logFile.write(try enc.encode(m) + Data("\n".utf8))
            log(String(format: "step %d/%d  reward %.3f  acc %.3f  kl %.4f  H %.2f  tok/s %.0f  staleness %.2f (max %d)  actors %d  verifiers %d  wait %.2fs update %.2fs",
                       step, rl.steps, m.reward, m.accuracy, m.kl, m.entropy, m.sampledTokensPerSecond, m.stalenessMean, m.stalenessMax,
                       m.liveActors, m.liveVerifiers, m.learnerWaitSeconds, m.learnerUpdateSeconds)
                + (m.evalPassAt1.map { String(format: "  eval pass@1 %.3f", $0) } ?? ""))
            if config.checkpointEvery > 0 && step % config.checkpointEvery == 0 { try saveCheckpoint() }
        }
        broker.setServing(false)
        Parallel.threads = allThreads  // the actors run out of work now: evaluate on every core
        let stoppedEarly = step < rl.steps
        var after: Evaluator.Report?
        if !shouldStop && finalProblems > 0 {
            log("evaluating the trained policy on \(finalProblems) held-out problems × \(rl.finalSamples) samples")
            after = try evaluateHeldOut(policy: updater.policy, tokenizer: tokenizer, task: task, config: rl,
                                        problems: finalProblems, samples: rl.finalSamples)
        }
        broker.stop(reason: stoppedEarly ? "learner stopped" : "run finished")
        // Groups still out are settled as re-issued: a resumed run hands their prompts out first.
        try saveCheckpoint()
        logFile.closeFile()
        let plot = try writePlot(history)
        let b1 = before?.passAtK["1"] ?? 0
        return LearnerSummary(algorithm: rl.algorithm.rawValue, steps: step, seconds: elapsed, before: before, after: after,
                              passAt1Gain: after.map { b1 > 0 ? ($0.passAtK["1"] ?? 0) / b1 : 0 },
                              ledger: broker.ledger { $0.counts }, rejectedMessages: broker.rejects.snapshot,
                              verifierTimeouts: broker.verifierTimeouts,
                              stalenessMean: stalenessSum / Double(max(stalenessCount, 1)),
                              sampledTokensPerSecond: Double(tokensTotal) / max(sampleWindow, 1e-9),
                              trajectoriesPerSecond: Double(trajectoriesTotal) / max(sampleWindow, 1e-9),
                              checkpoint: checkpointDir, log: metricsPath, plot: plot, stoppedEarly: stoppedEarly)
    }

    private func publishWeights(_ control: ZMQSocket) {
        let params = Array(UnsafeBufferPointer(start: updater.policy.params.pointer, count: updater.policy.params.count))
        let json = String(decoding: (try? JSONEncoder().encode(updater.policy.config)) ?? Data(), as: UTF8.self)
        _ = try? control.send(Message.weights(Weights(version: UInt64(version), modelConfigJSON: json, params: params)).encoded())
    }

    /// Weights, optimiser and the data stream's position, written atomically.
    func saveCheckpoint() throws {
        let (cursor, pending, counts, curriculum) = broker.ledger { ($0.cursor, $0.pendingPrompts, $0.counts, $0.curriculum) }
        let state = LearnerState(step: step, policyVersion: version, cursor: cursor, pending: pending, ledger: counts,
                                 elapsedSeconds: elapsed, seed: config.rl.seed, before: before, curriculum: curriculum)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        var extra: [String: Data] = [Tokenizer.checkpointFile: tokenizer.descriptionJSON(),
                                     LearnerState.file: try enc.encode(state),
                                     "rl_config.json": try enc.encode(config.rl)]
        if let baseState { extra["trainer_state.json"] = baseState }
        try Checkpoint.save(model: updater.policy, optimizer: updater.optimizer, extraFiles: extra,
                            configExtras: Tokenizer.huggingFaceConfigIds, to: checkpointDir)
    }
}

extension Learner {
    /// Reward, accuracy, staleness and throughput against step, as an SVG a person can open.
    func writePlot(_ h: [LearnerStepMetrics]) throws -> String {
        let path = (runDir as NSString).appendingPathComponent("cluster_plot.svg")
        func series(_ name: String, _ color: String, _ f: (LearnerStepMetrics) -> Double) -> SVGPlot.Series {
            .init(name: name, color: color, points: h.map { (Double($0.step), f($0)) })
        }
        var evals: [(Double, Double)] = before.map { [(0, $0.passAtK["1"] ?? 0)] } ?? []
        evals += h.compactMap { m in m.evalPassAt1.map { (Double(m.step), $0) } }
        let plot = SVGPlot(panels: [
            .init(title: "reward and accuracy per step (held-out pass@1 at evaluations)", series: [
                series("reward", "#1f77b4") { Double($0.reward) },
                series("accuracy", "#ff7f0e") { Double($0.accuracy) },
                .init(name: "pass@1", color: "#2ca02c", points: evals),
            ]),
            .init(title: "sampled tokens/s (all actors)", series: [series("tokens/s", "#9467bd") { $0.sampledTokensPerSecond }]),
            .init(title: "staleness (policy versions)", series: [
                series("mean", "#8c564b") { $0.stalenessMean }, series("max", "#d62728") { Double($0.stalenessMax) },
            ]),
        ])
        try plot.render().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
