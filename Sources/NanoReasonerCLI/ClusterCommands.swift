import Actor
import ArgumentParser
import Cluster
import Foundation
import Launcher
import Learner
import VerifierWorker

/// The experiment config: a file in configs/ plus `--set` overrides.
struct ConfigOptions: ParsableArguments {
    @Argument(help: "Config file (configs/default.yaml) or its name (default).") var config: String = "configs/default.yaml"
    @Option(name: .customLong("set"), help: "Override a key: --set algorithm.lr=3e-4 (repeatable).") var overrides: [String] = []

    func load() throws -> ExperimentConfig {
        do { return try ExperimentConfig.load(path: config, overrides: overrides) } catch { throw ValidationError("\(error)") }
    }
}

struct LearnerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learner", abstract: "The learner process: hands out prompts, trains on scored groups, publishes weights.")

    @OptionGroup var options: ConfigOptions
    @Flag(help: "Continue from the run's last checkpoint.") var resume = false
    @Flag(help: "Print the summary as JSON on stdout.") var json = false
    @Flag(help: .hidden) var noSummary = false

    func run() throws {
        let config = try options.load()
        let learner: Learner
        do { learner = try Learner(config: config, resume: resume, log: log) } catch { throw ValidationError("\(error)") }
        let stop = { (_: Int32) in learner.requestStop() }
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { log("signal \(sig): stopping after this step and writing a checkpoint"); stop(sig) }
            s.resume()
            sources.append(s)
        }
        let summary = try learner.run()
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(summary).write(to: URL(fileURLWithPath: (config.out as NSString).appendingPathComponent("summary.json")))
        if json { try printJSON(summary) } else if !noSummary { printLearnerSummary(summary, samples: config.rl.evalSamples) }
        _ = sources
    }
}

func printLearnerSummary(_ s: LearnerSummary, samples k: Int) {
    print("\(s.algorithm): \(s.steps) steps in \(ProgressBar.clock(s.seconds))" + (s.stoppedEarly ? " (stopped before the last step: time limit or a stop request)" : ""))
    if let b = s.before {
        print("held-out \(b.problems) problems × \(b.samplesPerProblem) samples, temperature 1 (pass@\(k) and maj@\(k) estimated from them)")
        print("metric     before   after")
        for (name, key) in [("pass@1", "1"), ("pass@\(k)", "\(k)")] {
            print(name.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: " %.3f    %@", b.passAtK[key] ?? 0,
                  s.after.map { String(format: "%.3f", $0.passAtK[key] ?? 0) } ?? "—"))
        }
        print("maj@\(k)".padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: " %.3f    %@", b.majAtK["\(k)"] ?? 0,
              s.after.map { String(format: "%.3f", $0.majAtK["\(k)"] ?? 0) } ?? "—"))
        if let g = s.passAt1Gain { print(String(format: "pass@1 gain: %.2f×", g)) }
    }
    let l = s.ledger
    print("ledger: handed out \(l.handedOut), received \(l.received), scored \(l.scored), trained \(l.trained), "
          + "dropped stale \(l.droppedStale), dropped zero-variance \(l.droppedZeroVariance), re-issued \(l.reissued), "
          + "duplicates \(l.duplicates), in flight at end \(l.inFlight), lost \(l.lost); "
          + "prompts passed over by the curriculum \(l.skippedByCurriculum)")
    print(String(format: "throughput: %.0f sampled tokens/s, %.1f groups/s; mean staleness %.2f; verifier timeouts %d; rejected messages %d",
                 s.sampledTokensPerSecond, s.trajectoriesPerSecond, s.stalenessMean, s.verifierTimeouts, s.rejectedMessages.values.reduce(0, +)))
    print("checkpoint: \(s.checkpoint)\nlog:        \(s.log)\nplot:       \(s.plot)")
}

struct ActorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actor", abstract: "A rollout worker: samples groups for the learner at --learner HOST.")

    @Option(help: "The learner's host name or address.") var learner = "127.0.0.1"
    @Option(help: "The learner's base port (work; +1 trajectories, +2 weights, +3 verify).") var port = 5555
    @Option(help: "This worker's name (unique in the cluster).") var id = "actor-\(ProcessInfo.processInfo.hostName)-\(getpid())"
    @Option(help: "Prompts per sampling batch.") var batch = 8
    @Option(help: "Threads for sampling.") var threads = 1
    @Option(help: "Exit after this many seconds without a word from the learner.") var silenceLimit = 300.0
    @Option(help: "Lower this process's scheduling priority by N (0…19).") var nice = 0
    @Flag(help: "Exit when the launching process dies (set by `launch`).") var watchParent = false

    func run() throws {
        guard (1...65_532).contains(port) else { throw ValidationError("--port must be in 1…65532, got \(port)") }
        guard batch >= 1, threads >= 1 else { throw ValidationError("--batch and --threads must be ≥ 1") }
        guard (0...19).contains(nice) else { throw ValidationError("--nice must be in 0…19, got \(nice)") }
        if nice > 0 { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Int32(nice)) }
        var o = ActorOptions()
        o.learnerHost = learner; o.basePort = port; o.workerId = id; o.batch = batch; o.threads = threads
        o.watchParent = watchParent; o.silenceLimit = silenceLimit
        do { try RolloutActor(options: o, log: log).run() } catch { throw ValidationError("\(error)") }
    }
}

struct VerifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifier", abstract: "A verifier-pool worker: scores completions for the learner at --learner HOST.")

    @Option(help: "The learner's host name or address.") var learner = "127.0.0.1"
    @Option(help: "The learner's base port.") var port = 5555
    @Option(help: "This worker's name (unique in the cluster).") var id = "verifier-\(ProcessInfo.processInfo.hostName)-\(getpid())"
    @Option(help: "Exit after this many seconds without a word from the learner.") var silenceLimit = 300.0
    @Flag(help: "Exit when the launching process dies (set by `launch`).") var watchParent = false

    func run() throws {
        guard (1...65_532).contains(port) else { throw ValidationError("--port must be in 1…65532, got \(port)") }
        var o = VerifierOptions()
        o.learnerHost = learner; o.basePort = port; o.workerId = id; o.watchParent = watchParent; o.silenceLimit = silenceLimit
        do { try VerifierService(options: o, log: log).run() } catch { throw ValidationError("\(error)") }
    }
}

struct LaunchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launch",
        abstract: "Start a local cluster: a learner, N actors and M verifiers, supervised, with prefixed logs.")

    @OptionGroup var options: ConfigOptions
    @Flag(help: "Continue from the run's last checkpoint.") var resume = false
    @Flag(help: "Print the learner's summary as JSON on stdout at the end (the live log goes to stderr).") var json = false
    @Flag(help: "Print the resolved config and exit.") var printConfig = false

    func run() throws {
        let c = try options.load()
        if printConfig { print(c.yaml, terminator: ""); return }
        guard FileManager.default.fileExists(atPath: PolicyFiles.checkpointDir(resume ? c.out : c.initFrom) + "/model.safetensors") else {
            throw ValidationError("no checkpoint at \(resume ? c.out : c.initFrom); make the base first: nanoreasoner pretrain --out \(c.initFrom)")
        }
        let exe = CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0]
            : (Bundle.main.executablePath ?? CommandLine.arguments[0])
        let configArgs = [options.config] + options.overrides.flatMap { ["--set", $0] }
        let cl = c.cluster
        var specs = [ChildSpec(name: "learner", arguments: ["learner", "--no-summary"] + configArgs + (resume ? ["--resume"] : []),
                                    restartable: false)]
        let common = ["--learner", cl.learnerHost, "--port", String(cl.basePort), "--watch-parent"]
        for i in 1...cl.actors {
            specs.append(ChildSpec(name: "actor-\(i)", arguments: ["actor", "--id", "actor-\(i)", "--batch", String(cl.actorBatch),
                                                                   "--threads", String(cl.actorThreads), "--nice", String(cl.actorNice)] + common, restartable: true))
        }
        for i in stride(from: 1, through: cl.verifiers, by: 1) {
            specs.append(ChildSpec(name: "verifier-\(i)", arguments: ["verifier", "--id", "verifier-\(i)"] + common, restartable: true))
        }
        try? FileManager.default.removeItem(atPath: (c.out as NSString).appendingPathComponent("summary.json"))  // not last run's
        // With --json, stdout carries only the summary; the live log goes to stderr.
        let supervisor = Supervisor(executable: exe, specs: specs, output: json ? .standardError : .standardOutput)
        supervisor.say("\(c.rl.algorithm.rawValue) from \(resume ? c.out : c.initFrom): learner + \(cl.actors) actors + \(cl.verifiers) verifiers on \(cl.bindHost):\(cl.basePort)…\(cl.basePort + 3); run directory \(c.out)")
        let status = supervisor.run()
        let summaryPath = (c.out as NSString).appendingPathComponent("summary.json")
        if let data = FileManager.default.contents(atPath: summaryPath) {
            if json {
                print(String(decoding: data, as: UTF8.self))
            } else if let s = try? JSONDecoder().decode(LearnerSummary.self, from: data) {
                print("")
                printLearnerSummary(s, samples: c.rl.evalSamples)
            }
        }
        if status != 0 { throw ExitCode(status) }
    }
}
