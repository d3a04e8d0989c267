import Actor
import ArgumentParser
import Cluster
import Foundation
import Kernels
import Launcher
import Learner
import Ranks
import Trainer
import VerifierWorker
import Worker

/// The experiment config: a file in configs/ plus `--set` overrides.
struct ConfigOptions: ParsableArguments {
    @Argument(help: "Config file (configs/default.yaml) or its name (default).") var config: String = "configs/default.yaml"
    @Option(name: .customLong("set"), help: "Override a key: --set algorithm.lr=3e-4 (repeatable).") var overrides: [String] = []

    /// The file, then `aliases` (a command's flags), then `--set`, which has the last word.
    func load(aliases: [String] = []) throws -> ExperimentConfig {
        do { return try ExperimentConfig.load(path: config, overrides: aliases + overrides) } catch { throw ValidationError("\(error)") }
    }
}

/// Runs `body`; SIGINT and SIGTERM ask the run to stop after its step (it writes a checkpoint).
func withStopSignals<T>(_ run: RLRun, _ body: () throws -> T) rethrows -> T {
    var sources: [DispatchSourceSignal] = []
    for sig in [SIGINT, SIGTERM] {
        signal(sig, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        s.setEventHandler { log("signal \(sig): stopping after this step and writing a checkpoint"); run.requestStop() }
        s.resume()
        sources.append(s)
    }
    defer { sources.forEach { $0.cancel() } }
    return try body()
}

func writeSummary(_ s: RunSummary, runDir: String) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    try enc.encode(s).write(to: URL(fileURLWithPath: (runDir as NSString).appendingPathComponent("summary.json")))
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
        // Under mpirun/srun this is one of the learner's ranks: rank 0 is the learner, the rest follow it.
        let world = try launchedRank()
        if let world, world.rank > 0 { return followLearner(world, threads: config.cluster.learnerThreads) }
        let learner: Learner
        do { learner = try Learner(config: config, resume: resume, ranks: world ?? SingleRank(), log: log) } catch {
            world?.abort("\(error)")
            throw ValidationError("\(error)")
        }
        let metrics = try serveLearnerMetrics(learner.run, config: config)
        defer { metrics?.stop() }
        let summary: RunSummary
        do { summary = try withStopSignals(learner.run) { try learner.run.run() } } catch {
            // The other ranks may be inside a collective: only an abort ends them cleanly.
            world?.abort("\(error)")
            throw error
        }
        if let world {
            do { try learner.run.updater.releaseRanks() } catch { world.abort("\(error)") }
            world.finalize()
        }
        try writeSummary(summary, runDir: learner.run.runDir)
        if json { try printJSON(summary) } else if !noSummary { printRunSummary(summary, samples: config.rl.evalSamples) }
    }
}

/// The before/after table, the ledger and where the files are.
func printRunSummary(_ s: RunSummary, samples k: Int) {
    print("\(s.algorithm): \(s.steps) steps in \(ProgressBar.clock(s.seconds))" + (s.stoppedEarly ? " (stopped before the last step: time limit or a stop request)" : ""))
    if let b = s.before {
        print("held-out \(b.problems) problems × \(b.samplesPerProblem) samples, temperature 1 (pass@\(k) and maj@\(k) estimated from them)")
        print("metric     before   after")
        let rows: [(String, Double?, Double?)] = [
            ("pass@1", b.passAtK["1"], s.after?.passAtK["1"]),
            ("pass@\(k)", b.passAtK["\(k)"], s.after?.passAtK["\(k)"]),
            ("maj@\(k)", b.majAtK["\(k)"], s.after?.majAtK["\(k)"]),
        ]
        for (name, before, after) in rows {
            print(name.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: " %.3f    %@", before ?? 0,
                  after.map { String(format: "%.3f", $0) } ?? "—"))
        }
        if let g = s.passAt1Gain { print(String(format: "pass@1 gain: %.2f×", g)) }
    }
    let l = s.ledger
    print("ledger: handed out \(l.handedOut), received \(l.received), scored \(l.scored), trained \(l.trained), "
          + "dropped stale \(l.droppedStale), dropped zero-variance \(l.droppedZeroVariance), dropped forged \(l.droppedForged), re-issued \(l.reissued), "
          + "duplicates \(l.duplicates), in flight at end \(l.inFlight), lost \(l.lost); "
          + "prompts passed over by the curriculum \(l.skippedByCurriculum)")
    print(String(format: "throughput: %.0f sampled tokens/s, %.1f groups/s; mean staleness %.2f; verifier timeouts %d; rejected messages %d",
                 s.sampledTokensPerSecond, s.trajectoriesPerSecond, s.stalenessMean, s.verifierTimeouts, s.rejectedMessages.values.reduce(0, +)))
    let x = s.security
    if x != SecurityCounts() {
        print("security: refused \(x.refusedHandshakes) handshakes, \(x.refusedHellos) hellos, \(x.impostorMessages) impostor messages; "
              + "audited \(x.auditedGroups) groups (\(x.auditMismatches) disagreed, \(x.quarantinedVerifiers) verifiers quarantined); "
              + "\(x.forgedGroups) groups with forged log-probs (\(x.refusedActors) actors refused)")
        for (port, reasons) in (x.failedHandshakes ?? [:]).sorted(by: { $0.key < $1.key }) {
            print("  failed handshakes on the \(port) port: "
                  + reasons.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
    }
    if let memory = s.peakResidentBytes, !memory.isEmpty {
        // The learner first, then the workers by name.
        let order = (memory["learner"] == nil ? [] : ["learner"]) + memory.keys.filter { $0 != "learner" }.sorted()
        print("memory: peak resident " + order.map { String(format: "%@ %.2f GB", $0, Double(memory[$0]!) / 1e9) }.joined(separator: ", "))
    }
    print("checkpoint: \(s.checkpoint)\nlog:        \(s.log)\nplot:       \(s.plot)")
}

/// Where a worker finds the learner (the options `actor` and `verifier` share).
struct WorkerFlags: ParsableArguments {
    @Option(help: "The learner's host name or address.") var learner = "127.0.0.1"
    @Option(help: "The learner's base port (work; +1 trajectories, +2 weights, +3 verify).") var port = 5555
    @Option(help: "This worker's name (unique in the cluster; default ROLE-HOST-PID).") var id: String?
    @Option(help: "Exit after this many seconds without a word from the learner.") var silenceLimit = 300.0
    @Flag(help: "Exit when the launching process dies (set by `launch`).") var watchParent = false
    @Option(help: "This worker's CURVE key folder (KEYS/workers/NAME from `nanoreasoner keygen`); without it the worker talks plain text.")
    var keys: String?

    func options(role: String) throws -> WorkerOptions {
        guard (1...65_532).contains(port) else { throw ValidationError("--port must be in 1…65532, got \(port)") }
        guard silenceLimit > 0 else { throw ValidationError("--silence-limit must be > 0, got \(silenceLimit)") }
        var o = WorkerOptions(workerId: id ?? "\(role)-\(WorkerOptions.hostName)-\(getpid())")
        o.learnerHost = learner; o.basePort = port; o.watchParent = watchParent; o.silenceLimit = silenceLimit
        if let keys {
            do { o.security = try ClusterKeys.worker(at: keys).security } catch { throw ValidationError("--keys \(keys): \(error)") }
        }
        return o
    }
}

/// A worker that ran and had to stop (refused, learner gone): the reason, without the usage text.
struct WorkerFailure: Error, CustomStringConvertible {
    let underlying: Error
    init(_ e: Error) { underlying = e }
    var description: String { "\(underlying)" }
}

struct ActorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actor", abstract: "A rollout worker: samples groups for the learner at --learner HOST.")

    @OptionGroup var worker: WorkerFlags
    @Option(help: "Prompts per sampling batch.") var batch = 8
    @Option(help: "Threads for sampling.") var threads = 1
    @Option(help: "Lower this process's scheduling priority by N (0…19).") var nice = 0
    @Option(help: "Serve /metrics and /health over HTTP on this port (off when not given).") var metricsPort: Int?
    @Option(help: "The address the metrics port binds.") var metricsHost = "127.0.0.1"

    func run() throws {
        let o = try worker.options(role: "actor")
        guard batch >= 1, threads >= 1 else { throw ValidationError("--batch and --threads must be ≥ 1") }
        guard (0...19).contains(nice) else { throw ValidationError("--nice must be in 0…19, got \(nice)") }
        if nice > 0 { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Int32(nice)) }
        if let p = metricsPort, !(1...65_535).contains(p) { throw ValidationError("--metrics-port must be in 1…65535, got \(p)") }
        let actor = RolloutActor(options: o, batch: batch, threads: threads, log: log)
        let metrics = try serveActorMetrics(actor, worker: o.workerId, host: metricsHost, port: metricsPort)
        defer { metrics?.stop() }
        do { try actor.run() } catch { throw WorkerFailure(error) }
    }
}

struct VerifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifier", abstract: "A verifier-pool worker: scores completions for the learner at --learner HOST.")

    @OptionGroup var worker: WorkerFlags

    func run() throws {
        let o = try worker.options(role: "verifier")
        do { try VerifierService(options: o, log: log).run() } catch { throw WorkerFailure(error) }
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
        let runDir = c.runDirectory(cluster: true)
        guard FileManager.default.fileExists(atPath: PolicyFiles.checkpointDir(resume ? runDir : c.initFrom) + "/model.safetensors") else {
            throw ValidationError("no checkpoint at \(resume ? runDir : c.initFrom); make the base first: nanoreasoner pretrain --out \(c.initFrom)")
        }
        let exe = CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0]
            : (Bundle.main.executablePath ?? CommandLine.arguments[0])
        let cl = c.cluster
        if cl.curve { do { try ClusterSecurity.makeLocalKeys(c) } catch { throw ValidationError("\(error)") } }
        let plan = LaunchPlan(c, configArguments: [options.config] + options.overrides.flatMap { ["--set", $0] }, resume: resume)
        var specs = try plan.processes.map { try childSpec($0, c, exe: exe) }
        let machines = try emulatedMachines(plan, specs: &specs)
        defer { if let machines { EmulatedMachine.remove(parent: machines) } }
        let summaryPath = (runDir as NSString).appendingPathComponent("summary.json")
        try? FileManager.default.removeItem(atPath: summaryPath)  // not last run's
        // With --json, stdout carries only the summary; the live log goes to stderr.
        let supervisor = Supervisor(executable: exe, specs: specs, output: json ? .standardError : .standardOutput)
        supervisor.say("\(c.rl.algorithm.rawValue) from \(resume ? runDir : c.initFrom): learner"
                       + (cl.learnerRanks > 1 ? " (\(cl.learnerRanks) ranks under mpirun)" : "") + " + \(cl.actors) actors + \(cl.verifiers) verifiers on \(cl.bindHost):\(cl.basePort)…\(cl.basePort + 3); run directory \(runDir)")
        let status = supervisor.run()
        if let data = FileManager.default.contents(atPath: summaryPath) {
            if json {
                print(String(decoding: data, as: UTF8.self))
            } else if let s = try? JSONDecoder().decode(RunSummary.self, from: data) {
                print("")
                printRunSummary(s, samples: c.rl.evalSamples)
            }
        }
        if status != 0 {
            if cl.learnerRanks > 1 { supervisor.say(Self.rankFailureAdvice(runDir: runDir)) }
            throw ExitCode(status)
        }
    }

    /// What to do after a learner of several ranks ended early (mpirun names the rank above).
    static func rankFailureAdvice(runDir: String) -> String {
        let state = (runDir as NSString).appendingPathComponent("checkpoint/run_state.json")
        let step = (try? JSONDecoder().decode(RunState.self, from: Data(contentsOf: URL(fileURLWithPath: state))))?.step
        return "the learner's ranks ended early (mpirun's message above names the rank); "
            + (step.map { "the last checkpoint is step \($0) in \(runDir)/checkpoint: continue with --resume (any cluster.learner_ranks)" }
               ?? "no checkpoint was written yet: start again")
    }

    /// With `cluster.machine_cpus` (or `learner_machine_cpus`), each process on an emulated
    /// machine of its own; mpirun's ranks place themselves (told through the environment).
    /// Returns the machines' parent cgroup, to remove at the end.
    private func emulatedMachines(_ plan: LaunchPlan, specs: inout [ChildSpec]) throws -> String? {
        guard plan.emulatesMachines else { return nil }
        let parent: String
        do { parent = try EmulatedMachine.parent(named: "nanoreasoner-\(getpid())") } catch {
            throw ValidationError("cluster.machine_cpus: \(error); run as root, or set cluster.machine_cpus=0")
        }
        for (i, p) in plan.processes.enumerated() where p.cpus > 0 {
            if p.ranks > 1 {
                specs[i].environment = [EmulatedMachine.directoryVariable: parent, EmulatedMachine.cpusVariable: String(p.cpus)]
            } else {
                specs[i].machine = try EmulatedMachine.make(p.name, cpus: p.cpus, under: parent)
            }
        }
        return parent
    }

    /// A planned process as the supervisor's child: a learner of several ranks runs under
    /// `mpirun` (rank 0 is the learner; `cluster.mpirun_args` may place them on other machines).
    private func childSpec(_ p: LaunchPlan.Process, _ c: ExperimentConfig, exe: String) throws -> ChildSpec {
        guard p.ranks > 1 else { return ChildSpec(name: p.name, arguments: p.arguments, restartable: p.restartable) }
        let mpi: (executable: String, arguments: [String])
        guard let extra = MPIRun.words(c.cluster.mpirunArgs) else {
            throw ValidationError("cluster.mpirun_args has a quote that is not closed: \(c.cluster.mpirunArgs)")
        }
        do { mpi = try MPIRun.command(ranks: p.ranks, extra: extra, [exe] + p.arguments) } catch {
            throw ValidationError("cluster.learner_ranks=\(p.ranks) starts the ranks with mpirun: \(error); or set cluster.learner_ranks=1")
        }
        return ChildSpec(name: p.name, arguments: mpi.arguments, restartable: p.restartable, executable: mpi.executable)
    }
}

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a cluster's CURVE keys: the learner's pair, a pair per worker, and the allow-list.",
        discussion: """
            Run it again to add workers (existing keys are kept). Copy DIR/workers/NAME to the machine that runs
            that worker and start it with --keys; start the learner with --set cluster.keys=DIR. To lock a worker
            out, delete its line from DIR/allowed_workers and restart the learner.
            """)

    @Argument(help: "Key directory to create or complete.") var dir: String
    @Option(help: "Worker names, comma-separated (default: actor-1…actor-N, verifier-1…verifier-M).") var workers: String?
    @Option(help: "Actors when --workers is not given.") var actors = 2
    @Option(help: "Verifiers when --workers is not given.") var verifiers = 2
    @Flag(help: "Print what was made as JSON.") var json = false

    func run() throws {
        let names = workers.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? ClusterKeys.workerNames(actors: actors, verifiers: verifiers)
        let created: [String]
        do { created = try ClusterKeys.make(at: dir, workers: names) } catch { throw ValidationError("\(error)") }
        let learner = try ClusterKeys.learner(at: dir)
        if json {
            try printJSON(["directory": dir, "learner_public_key": learner.keys.publicKey,
                           "created": created.joined(separator: ","), "allowed": learner.allowed.values.sorted().joined(separator: ",")])
            return
        }
        print("keys in \(dir): learner \(learner.keys.publicKey); \(learner.allowed.count) workers allowed"
              + (created.isEmpty ? " (none new)" : "; new: \(created.joined(separator: ", "))"))
        print("learner: --set cluster.keys=\(dir)    worker NAME: copy \(dir)/workers/NAME, run with --keys that folder")
    }
}
