import Plots
import ArgumentParser
import Eval
import Foundation
import Pretrain
import RL
import Tasks
import TinyGPT
import Trainer

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Single-process RL from a base checkpoint: GRPO, Kimi mirror descent, RLOO or REINFORCE.")

    @Option(help: "Base checkpoint (or run) directory.") var initFrom: String = "runs/base"
    @Option(help: "Run directory for checkpoint, log and plot (default runs/<algo>).") var out: String?
    @Option(help: "grpo | kimi | rloo | reinforce") var algo: Algorithm = .grpo
    @Option(help: "RL steps at most (default 400; the --minutes limit usually ends the run first).") var steps: Int?
    @Option(help: "Prompts (groups) per step.") var promptsPerStep: Int?
    @Option(help: "Samples per prompt (G).") var groupSize: Int?
    @Option(help: "Learning rate.") var lr: Float?
    @Option(help: "Sampling temperature of the rollouts (the learner scores tokens at the same temperature).") var temperature: Float?
    @Option(help: "Optimisation passes over each sampled batch (default 2; kimi 1).") var epochs: Int?
    @Option(help: "KL weight β to the reference policy.") var beta: Float?
    @Option(help: "Kimi τ.") var tau: Float?
    @Flag(help: "Kimi: the group's mean reward as baseline instead of τ·log Z.") var kimiMeanBaseline = false
    @Option(help: "Global gradient-norm clip (0: none).") var gradClip: Float?
    @Option(help: "Entropy bonus weight (0 = none).") var entropyCoef: Float?
    @Option(help: "Lower clip ε.") var clipLow: Float?
    @Option(help: "Upper clip ε (clip-higher).") var clipHigh: Float?
    @Option(help: "Evaluate every N steps (0: only before and after training).") var evalEvery: Int?
    @Option(help: "Held-out problems in periodic evaluations.") var evalProblems: Int?
    @Option(help: "Stop after this many minutes.") var minutes: Double?
    @Option(help: "Random seed.") var seed: UInt64?
    @Flag(help: "GRPO advantages divided by the group's std (the default leaves it out, as Dr. GRPO does).") var std = false
    @Flag(help: "Average the loss per sequence, then over sequences (the default averages over all tokens).") var perSequence = false
    @Flag(help: "Keep zero-variance groups instead of resampling.") var noDynamicSampling = false
    @Flag(help: "Take training prompts in order instead of preferring shapes the policy solves sometimes.") var noCurriculum = false
    @Flag(help: "Print the before/after report as JSON on stdout.") var json = false

    struct Summary: Codable {
        var algorithm: String
        var steps: Int
        var seconds: Double
        var before: Evaluator.Report
        var after: Evaluator.Report
        var passAt1Gain: Double
        var checkpoint: String
        var log: String
        var plot: String
    }

    func run() throws {
        var c = RLConfig(algorithm: algo)
        if let v = steps { c.steps = v }
        if let v = promptsPerStep { c.promptsPerStep = v }
        if let v = groupSize { c.groupSize = v }
        if let v = lr { c.learningRate = v }
        if let v = temperature { c.temperature = v }
        if let v = beta { c.loss.beta = v }
        if let v = epochs { c.epochs = v }
        if let v = tau { c.loss.tau = v }
        if let v = gradClip { c.gradClip = v }
        c.loss.kimiMeanBaseline = kimiMeanBaseline
        if let v = entropyCoef { c.entropyCoef = v }
        if let v = clipLow { c.loss.clipLow = v }
        if let v = clipHigh { c.loss.clipHigh = v }
        if let v = evalEvery { c.evalEvery = v }
        if let v = evalProblems { c.evalProblems = v }
        if let v = minutes { c.timeLimitMinutes = v }
        if let v = seed { c.seed = v }
        c.noStd = !std
        c.loss.perToken = !perSequence
        c.dynamicSampling = !noDynamicSampling
        c.curriculum = !noCurriculum
        do { try c.validate() } catch { throw ValidationError("\(error)") }

        let (model, tokenizer) = try loadPolicy(initFrom)
        let task = try ArithmeticTask(config: taskConfig(of: initFrom))
        let trainer = try RLTrainer(config: c, policy: model, tokenizer: tokenizer, task: task)
        let runDir = out ?? "runs/\(algo.rawValue)"
        try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
        let logPath = (runDir as NSString).appendingPathComponent("train_log.jsonl")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let logFile = FileHandle(forWritingAtPath: logPath) else { throw ValidationError("cannot write \(logPath)") }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]

        log("train: \(algo.rawValue), \(c.steps) steps × \(c.promptsPerStep) prompts × \(c.groupSize) samples, lr \(c.learningRate), β \(c.loss.beta)")
        log("train: evaluating the base on \(task.heldOut.count) held-out problems × \(c.finalSamples) samples")
        let before = try trainer.evaluate(problems: task.heldOut.count, samples: c.finalSamples)
        var history: [StepMetrics] = []
        let k = String(c.evalSamples)  // the k of pass@k and maj@k
        var evals: [(step: Int, p1: Double, pk: Double)] = [(0, before.passAtK["1"] ?? 0, before.passAtK[k] ?? 0)]
        let bar = ProgressBar(total: c.steps, label: "train")
        while trainer.step < c.steps {
            var m = try trainer.trainStep()
            if c.evalEvery > 0 && m.step % c.evalEvery == 0 && m.step < c.steps {
                let r = try trainer.evaluate()
                m.evalPassAt1 = r.passAtK["1"]
                m.evalPassAtK = r.passAtK[k]
                evals.append((m.step, m.evalPassAt1 ?? 0, m.evalPassAtK ?? 0))
            }
            history.append(m)
            logFile.write(try enc.encode(m) + Data("\n".utf8))
            bar.update(m.step, String(format: "reward %.3f acc %.3f kl %.4f H %.2f zero-var %.2f", m.reward, m.accuracy, m.kl, m.entropy, m.zeroVarianceFraction))
            // Stop before a step of the same length would cross the limit.
            if c.timeLimitMinutes > 0 && m.elapsedSeconds + m.stepSeconds > c.timeLimitMinutes * 60 && trainer.step < c.steps {
                log("\ntrain: time limit of \(c.timeLimitMinutes) min reached at step \(m.step)")
                break
            }
        }
        if trainer.skippedPrompts > 0 {
            log("train: the curriculum passed over \(trainer.skippedPrompts) of \(trainer.cursor - RLTrainer.firstTrainProblem) training prompts")
        }
        log("train: evaluating the trained policy on \(task.heldOut.count) held-out problems × \(c.finalSamples) samples")
        let after = try trainer.evaluate(problems: task.heldOut.count, samples: c.finalSamples)
        evals.append((trainer.step, after.passAtK["1"] ?? 0, after.passAtK[k] ?? 0))
        let ckpt = (runDir as NSString).appendingPathComponent("checkpoint")
        try Checkpoint.save(model: trainer.policy, optimizer: trainer.optimizer,
                            extraFiles: [Tokenizer.checkpointFile: tokenizer.descriptionJSON(),
                                         "rl_config.json": try enc.encode(c),
                                         "trainer_state.json": try Data(contentsOf: URL(fileURLWithPath: stateFile(initFrom)))],
                            configExtras: Tokenizer.huggingFaceConfigIds, to: ckpt)
        logFile.closeFile()
        let plotPath = (runDir as NSString).appendingPathComponent("train_plot.svg")
        let plot = SVGPlot(panels: [
            .init(title: "training reward and accuracy (per step)", series: [
                .init(name: "reward", color: "#1f77b4", points: history.map { (Double($0.step), Double($0.reward)) }),
                .init(name: "accuracy", color: "#ff7f0e", points: history.map { (Double($0.step), Double($0.accuracy)) }),
            ]),
            .init(title: "held-out pass@k (temperature 1)", series: [
                .init(name: "pass@1", color: "#2ca02c", points: evals.map { (Double($0.step), $0.p1) }),
                .init(name: "pass@\(k)", color: "#d62728", points: evals.map { (Double($0.step), $0.pk) }),
            ]),
        ])
        try plot.render().write(toFile: plotPath, atomically: true, encoding: .utf8)
        let b1 = before.passAtK["1"] ?? 0, a1 = after.passAtK["1"] ?? 0
        let summary = Summary(algorithm: algo.rawValue, steps: trainer.step, seconds: history.last?.elapsedSeconds ?? 0,
                              before: before, after: after, passAt1Gain: b1 > 0 ? a1 / b1 : 0,
                              checkpoint: ckpt, log: logPath, plot: plotPath)
        if json { try printJSON(summary) } else { printSummary(summary, k: k) }
    }

    private func printSummary(_ s: Summary, k: String) {
        print("\(s.algorithm): \(s.steps) steps in \(ProgressBar.clock(s.seconds)); held-out \(s.before.problems) problems × \(s.before.samplesPerProblem) samples, temperature 1")
        print("metric     before   after")
        for (name, b, a) in [("pass@1", s.before.passAtK["1"], s.after.passAtK["1"]), ("pass@\(k)", s.before.passAtK[k], s.after.passAtK[k]),
                             ("maj@\(k)", s.before.majAtK[k], s.after.majAtK[k])] {
            print(name.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: " %.3f    %.3f", b ?? 0, a ?? 0))
        }
        print(String(format: "pass@1 gain: %.2f×", s.passAt1Gain))
        print("checkpoint: \(s.checkpoint)\nlog:        \(s.log)\nplot:       \(s.plot)")
    }
}

extension Algorithm: ExpressibleByArgument {}
