import ArgumentParser
import Cluster
import Foundation
import Trainer

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Single-process RL from a base checkpoint: the cluster's loop and config, sampled in this process.",
        discussion: "Reads the same config files and --set keys as `launch`; each flag below is an alias of one key.")

    @OptionGroup var options: ConfigOptions
    @Flag(help: "Continue from the run's last checkpoint.") var resume = false
    @Flag(help: "Print the before/after report as JSON on stdout.") var json = false
    @Flag(help: "Print the resolved config and exit.") var printConfig = false

    // Aliases (TrainAliases): each sets the config key named in its help.
    @Option(help: "run.init_from") var initFrom: String?
    @Option(help: "run.out (default runs/<algo>)") var out: String?
    @Option(help: "run.seed") var seed: String?
    @Option(help: "algorithm.name: grpo | kimi | rloo | reinforce | ppo | gspo") var algo: String?
    @Option(help: "algorithm.steps") var steps: String?
    @Option(help: "algorithm.minutes") var minutes: String?
    @Option(help: "algorithm.prompts_per_step") var promptsPerStep: String?
    @Option(help: "algorithm.group_size") var groupSize: String?
    @Option(help: "algorithm.lr") var lr: String?
    @Option(help: "algorithm.temperature") var temperature: String?
    @Option(help: "algorithm.epochs (default 2; kimi 1)") var epochs: String?
    @Option(help: "algorithm.beta") var beta: String?
    @Option(help: "algorithm.tau") var tau: String?
    @Option(help: "algorithm.grad_clip") var gradClip: String?
    @Option(help: "algorithm.entropy_coef") var entropyCoef: String?
    @Option(help: "algorithm.clip_low") var clipLow: String?
    @Option(help: "algorithm.clip_high") var clipHigh: String?
    @Option(help: "eval.every") var evalEvery: String?
    @Option(help: "eval.problems") var evalProblems: String?
    @Flag(help: "algorithm.kimi_mean_baseline=true") var kimiMeanBaseline = false
    @Flag(help: "algorithm.no_std=false") var std = false
    @Flag(help: "algorithm.per_token=false") var perSequence = false
    @Flag(help: "algorithm.dynamic_sampling=false") var noDynamicSampling = false
    @Flag(help: "algorithm.curriculum=false") var noCurriculum = false

    /// The alias flags given, by flag name.
    var aliasValues: [String: String] {
        let valued: [(String, String?)] = [
            ("init-from", initFrom), ("out", out), ("seed", seed), ("algo", algo), ("steps", steps), ("minutes", minutes),
            ("prompts-per-step", promptsPerStep), ("group-size", groupSize), ("lr", lr), ("temperature", temperature),
            ("epochs", epochs), ("beta", beta), ("tau", tau), ("grad-clip", gradClip), ("entropy-coef", entropyCoef),
            ("clip-low", clipLow), ("clip-high", clipHigh), ("eval-every", evalEvery), ("eval-problems", evalProblems),
        ]
        let flags: [(String, Bool)] = [("kimi-mean-baseline", kimiMeanBaseline), ("std", std), ("per-sequence", perSequence),
                                       ("no-dynamic-sampling", noDynamicSampling), ("no-curriculum", noCurriculum)]
        var out: [String: String] = [:]
        for (k, v) in valued { if let v { out[k] = v } }
        for (k, on) in flags where on { out[k] = "" }
        return out
    }

    func run() throws {
        let config = try options.load(aliases: TrainAliases.overrides(aliasValues))
        if printConfig { print(config.yaml, terminator: ""); return }
        let runDir = config.runDirectory(cluster: false)
        let run: RLRun
        do { run = try RunStart(config: config, runDir: runDir, resume: resume).localRun(config: config, runDir: runDir, log: log) }
        catch { throw ValidationError("\(error)") }
        let rl = config.rl
        log("train: \(rl.algorithm.rawValue), \(rl.steps) steps × \(rl.promptsPerStep) prompts × \(rl.groupSize) samples, "
            + "\(rl.passes) pass\(rl.passes == 1 ? "" : "es") per batch, lr \(rl.learningRate), β \(rl.loss.beta); run directory \(runDir)")
        let bar = ProgressBar(total: rl.steps, label: "train")
        run.onStep = { m in
            bar.update(m.step, String(format: "reward %.3f acc %.3f kl %.4f H %.2f zero-var %.2f", m.reward, m.accuracy, m.kl, m.entropy, m.zeroVarianceFraction)
                + (m.evalPassAt1.map { String(format: " eval pass@1 %.3f", $0) } ?? ""))
        }
        let metrics = try serveLearnerMetrics(run, config: config)
        defer { metrics?.stop() }
        let summary = try withStopSignals(run) { try run.run() }
        try writeSummary(summary, runDir: runDir)
        if json { try printJSON(summary) } else { print(""); printRunSummary(summary, samples: rl.evalSamples) }
    }
}
