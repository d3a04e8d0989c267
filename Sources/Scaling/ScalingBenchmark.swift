import Benchmarks
import Foundation
import Launcher
import Tasks
import TinyGPT
import Trainer
import Wire

/// `nanoreasoner bench --scaling`: every process on an emulated machine of its own (a cgroup
/// CPU quota, `EmulatedMachine`), more machines each time, and a throughput model fitted on
/// the smallest runs that predicts the others and clusters of up to 64 machines.
///
/// Learner rows: `mpirun -np K nanoreasoner ranks` (seeded groups of the default cluster step's
/// size; no actors, so they cannot limit). Actor rows: `launch` with N actors on machines of
/// their own and the learner on a larger one, a large staleness bound and in-flight limit so
/// that the actors never wait for it: what is measured is how fast N actors sample.
public enum ScalingBenchmark {
    public struct Options: Sendable {
        public var executable = ""
        public var configFile: String? = "configs/default.yaml"
        public var base = "runs/base"
        public var scratch = NSTemporaryDirectory()
        /// Cores of each learner rank's machine.
        public var rankCPUs = 0.25
        public var ranks = [1, 2, 4]
        /// Updates per learner run (the first is warm-up and left out).
        public var updates = 6
        public var groups = 32
        /// Cores of each actor's machine, and of the learner's in the actor runs.
        /// 8 × 0.1 + the learner's 0.5 + a verifier's 0.1 leave a third of the 2-core host free:
        /// at 0.15 (1.85 cores in all) the eight-actor row was short of its quota.
        public var actorCPUs = 0.1
        public var learnerCPUs = 0.5
        public var actors = [1, 2, 4, 8]
        // 10 steps (9 measured) per actor row, against the host's noise (6 left one row in five 20 % off).
        public var clusterSteps = 10
        /// Steps of each asynchrony run (on-policy and with staleness ≤ 2), and
        /// the held-out problems (× 4 samples) each is evaluated on before and after.
        public var asyncSteps = 16
        /// Steps of the on-policy probe that sizes the pair's learner machine (the first is left out).
        public var asyncProbeSteps = 5
        public var asyncEvalProblems = 300
        /// The link the model assumes between the learner and each actor, bits per second.
        public var linkBitsPerSecond = 1e9
        public var timeout = 900.0
        /// Which parts to run: learner, actors, asynchrony (needs both before it), broadcast.
        public var parts: Set<String> = Self.allParts
        public static let allParts: Set<String> = ["learner", "actors", "asynchrony", "broadcast"]
        /// Broadcasts per broadcast case, and the default model's parameter count.
        public var broadcastRounds = 10
        public var broadcastParameters = ScalingBenchmark.defaultModelParameters
        public init() {}
    }

    public struct LearnerRow: Codable, Sendable {
        public var ranks: Int, machineCPUs: Double, tokensPerUpdate: Int
        public var secondsPerUpdate: Stats
        /// Of each update, rank 0's seconds inside MPI collectives (waiting for slower ranks included).
        public var collectiveSeconds: Stats?
        public var trainedTokensPerSecond: Double
        public var speedup: Double
        /// What the model (fitted on K = 1 and the smallest K > 1) predicts; nil for those rows.
        public var predictedTokensPerSecond: Double?
        public var limitedBy = "learner update"
    }

    public struct ActorRow: Codable, Sendable {
        public var actors: Int, machineCPUs: Double
        public var sampledGroupsPerSecond: Double
        /// Each run's rate (the smallest row runs first and last; its rate is their mean).
        public var runs: [Double] = []
        public var speedup: Double
        /// From the one-actor row alone; nil for it.
        public var predictedGroupsPerSecond: Double?
        public var actorIdleFraction: Double
        /// Groups trained over groups the learner looked at (the rest had no reward variance).
        public var keptFraction: Double
        /// The learner's update on its machine (the same in the asynchrony pair).
        public var learnerUpdateSeconds: Double
        public var limitedBy: String
    }

    /// One side of the asynchrony pair: the same emulated machines, on-policy or not.
    public struct AsyncRow: Codable, Sendable {
        public var maxStaleness: Int, actors: Int, steps: Int = 0
        /// The run's `cluster.max_in_flight` when the bench set it (nil: the config's).
        public var maxInFlight: Int?
        /// The learner's machine, sized by the probe so that its update takes as long as its wait.
        public var learnerCPUs: Double
        public var trainedGroupsPerSecond: Double
        /// Mean training accuracy of the sampled groups over the measured steps (how well the
        /// policy does per step; the two runs train the same number of steps).
        public var accuracyPerStep: Double
        public var updateSeconds: Double, waitSeconds: Double
        /// Held-out pass@1 before and after the run's steps, with the after's 95 % bootstrap
        /// interval over problems (the same problems, samples and seed for both runs).
        public var passAt1Before: Double?, passAt1After: Double?
        public var passAt1Low: Double?, passAt1High: Double?
    }

    /// Per-stage costs, measured on the emulated machines.
    public struct Model: Codable, Sendable {
        /// CPU-seconds one rank spends per trained completion token.
        public var cpuSecondsPerTrainedToken: Double
        /// Seconds per update two ranks spend in collectives (the allreduce, the batch broadcast,
        /// waiting for the slower rank). K ranks spend 2(K−1)/K of it: a ring allreduce sends each
        /// rank's share of the gradients 2(K−1) times over links that all work at once.
        public var collectiveSecondsAtTwoRanks: Double
        /// CPU-seconds an actor spends per sampled group.
        public var cpuSecondsPerSampledGroup: Double
        /// Completion tokens per trained group, groups per update, and the share of sampled groups kept.
        public var tokensPerGroup: Double, groupsPerUpdate: Int, keptFraction: Double
        /// The weights message, and the link each actor is assumed to have to the learner.
        public var broadcastBytes: Double, linkBitsPerSecond: Double
        public var rankCPUs: Double, actorCPUs: Double
        /// 0: every actor takes the weights from the learner; f: relayed down a tree of fanout f
        /// (the learner's link carries f copies, each hop adds one part's transfer).
        public var weightFanout = 0

        public func updateSeconds(ranks K: Int) -> Double {
            cpuSecondsPerTrainedToken * tokensPerGroup * Double(groupsPerUpdate) / rankCPUs / Double(K)
                + collectiveSecondsAtTwoRanks * 2 * Double(K - 1) / Double(K)
        }

        /// The weights to N actors: every copy the learner's link carries, and the relay hops' parts.
        public func broadcastSeconds(actors N: Int) -> Double {
            let copies = weightFanout == 0 ? N : min(N, weightFanout)
            var depth = 0, reached = 0, level = 1
            while weightFanout > 0 && reached < N { level *= weightFanout; reached += level; depth += 1 }
            let hop = Double(WeightsPart.defaultBytes) * 8 / linkBitsPerSecond
            return Double(copies) * broadcastBytes * 8 / linkBitsPerSecond + Double(max(depth - 1, 0)) * hop
        }

        /// Trained groups per second with K ranks and N actors, and the stage that limits it.
        public func throughput(ranks K: Int, actors N: Int) -> (groupsPerSecond: Double, limitedBy: String) {
            let update = updateSeconds(ranks: K)
            let learner = Double(groupsPerUpdate) / update
            let sampling = Double(N) * actorCPUs / cpuSecondsPerSampledGroup * keptFraction
            let broadcast = Double(groupsPerUpdate) / broadcastSeconds(actors: N)
            return [(learner, "learner update"), (sampling, "sampling"), (broadcast, "weight broadcast")].min { $0.0 < $1.0 }!
        }
    }

    public struct Prediction: Codable, Sendable {
        public var machines: Int, ranks: Int, actors: Int
        public var trainedGroupsPerSecond: Double
        public var limitedBy: String
    }

    public struct Report: Codable, Sendable {
        public var note: String
        public var learner: [LearnerRow]
        public var actors: [ActorRow]
        public var model: Model?
        public var predictions: [Prediction]
        /// On-policy first, then staleness ≤ 2 (the default config's bound) with room to run ahead;
        /// the actors chosen so that sampling a step's groups takes about as long as the learner's
        /// update (where asynchrony helps most).
        public var asynchrony: [AsyncRow]
        /// The short on-policy run that sized the pair's learner machine (its update against its wait).
        public var asynchronyProbe: AsyncRow?
        /// The weights to 1 and 8 actors over emulated 1 Gbit/s links, from the publisher or relayed.
        public var broadcast: RelayBenchmark.Report?
        public var targets: [BenchReport.Target]
    }

    public static func run(_ o: Options, log: (String) -> Void) throws -> Report {
        let parent: String
        do { parent = try EmulatedMachine.parent(named: "nanoreasoner-bench-\(getpid())") } catch {
            throw BenchError.invalid("bench --scaling: \(error)")
        }
        defer { EmulatedMachine.remove(parent: parent) }
        let learner = o.parts.contains("learner") ? try o.ranks.map { try learnerRow(o, ranks: $0, parent: parent, log: log) } : []
        let actors = o.parts.contains("actors") ? try actorRows(o, log: log) : []
        var report = Report(note: note(o), learner: learner, actors: actors, model: nil, predictions: [], asynchrony: [], targets: [])
        if o.parts.contains("broadcast") {
            report.broadcast = try RelayBenchmark.run(executable: o.executable, parameters: o.broadcastParameters,
                                                      cases: [(1, 0), (8, 0), (1, 1), (8, 1)], rounds: o.broadcastRounds,
                                                      megabitsPerSecond: Int(o.linkBitsPerSecond / 1e6), scratch: o.scratch, log: log)
        }
        fit(&report, o)
        if o.parts.contains("asynchrony"), let model = report.model, let update = report.actors.first?.learnerUpdateSeconds {
            let guess = asyncGuess(model, groups: o.groups, actorCPUs: o.actorCPUs, learnerCPUs: o.learnerCPUs, updateSeconds: update)
            let probe = try asyncRow(o, actors: guess.actors, learnerCPUs: guess.learnerCPUs, maxStaleness: 0, steps: o.asyncProbeSteps,
                                     evaluate: false, name: "probe", log: log)
            let learnerCPUs = balancedLearnerCPUs(probe.learnerCPUs, updateSeconds: probe.updateSeconds, waitSeconds: probe.waitSeconds)
            log(String(format: "bench --scaling: on-policy probe on %.2f + %d × %.2f core: update %.2f s, wait %.2f s per step → learner machine %.2f core",
                       probe.learnerCPUs, guess.actors, o.actorCPUs, probe.updateSeconds, probe.waitSeconds, learnerCPUs))
            report.asynchronyProbe = probe
            let bound = 2  // the default config's max_staleness
            let lookAhead = asyncInFlight(groups: o.groups, keptFraction: model.keptFraction, maxStaleness: bound)
            report.asynchrony = try [(0, nil), (bound, lookAhead)].map { staleness, inFlight in
                try asyncRow(o, actors: guess.actors, learnerCPUs: learnerCPUs, maxStaleness: staleness, maxInFlight: inFlight,
                             steps: o.asyncSteps, evaluate: true, name: "staleness-\(staleness)", log: log)
            }
        }
        report.targets = targets(report)
        return report
    }

    private static func note(_ o: Options) -> String {
        "\(ProcessInfo.processInfo.activeProcessorCount)-core host; learner ranks on machines of \(o.rankCPUs) core each "
            + "(cgroup CPU quota, \(EmulatedMachine.periodMicroseconds / 1000) ms period; loopback between them, shared memory inside Open MPI); actors on machines of "
            + "\(o.actorCPUs) core with the learner on one of \(o.learnerCPUs) and 1 verifier of \(o.actorCPUs), over loopback. The broadcast "
            + "rows: each machine a network namespace with a \(Int(o.linkBitsPerSecond / 1e6)) Mbit/s veth link (tc tbf); this kernel has no "
            + "netem, so no latency is added. The model assumes that link per machine."
    }

    private static func learnerRow(_ o: Options, ranks K: Int, parent: String, log: (String) -> Void) throws -> LearnerRow {
        let logPath = (o.scratch as NSString).appendingPathComponent("scaling-ranks-\(K).log")
        let mpi = try MPIRun.command(ranks: K, [o.executable, "ranks", "--updates", String(o.updates), "--groups", String(o.groups), "--json"])
        log("bench --scaling: \(K) learner rank(s) on \(o.rankCPUs)-core machines, \(o.updates) updates (log \(logPath))")
        let env = [EmulatedMachine.directoryVariable: parent, EmulatedMachine.cpusVariable: String(o.rankCPUs)]
        let status = try Subprocess.run(mpi.executable, mpi.arguments, logPath: logPath, timeout: o.timeout, environment: env)
        guard status == 0 else { throw BenchError.failed("mpirun -np \(K) nanoreasoner ranks exited with \(status):\n" + Subprocess.tail(logPath)) }
        struct Ranks: Decodable { var tokensPerUpdate: Int; var secondsPerUpdate: [Double]; var collectiveSecondsPerUpdate: [Double]? }
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let a = lines.firstIndex(of: "{"), let b = lines.lastIndex(of: "}"), a < b else {
            throw BenchError.failed("no result from nanoreasoner ranks in \(logPath)")
        }
        let r = try JSONDecoder().decode(Ranks.self, from: Data(lines[a...b].joined(separator: "\n").utf8))
        let warm = r.secondsPerUpdate.count > 1 ? 1 : 0
        let seconds = Stats(Array(r.secondsPerUpdate.dropFirst(warm)))
        let collective = r.collectiveSecondsPerUpdate.map { Stats(Array($0.dropFirst(warm))) }
        return LearnerRow(ranks: K, machineCPUs: o.rankCPUs, tokensPerUpdate: r.tokensPerUpdate, secondsPerUpdate: seconds,
                          collectiveSeconds: collective,
                          trainedTokensPerSecond: Double(r.tokensPerUpdate) / seconds.median, speedup: 1)
    }

    /// A first guess at the asynchrony pair from the actor rows: the actors that sample one step's
    /// groups in about one update, and the learner machine that makes the update that long.
    static func asyncGuess(_ model: Model, groups: Int, actorCPUs: Double, learnerCPUs: Double,
                           updateSeconds: Double) -> (actors: Int, learnerCPUs: Double) {
        let sampling = Double(groups) / model.keptFraction * model.cpuSecondsPerSampledGroup / actorCPUs
        let n = max(1, Int((sampling / updateSeconds).rounded()))
        return (n, learnerMachine(learnerCPUs * updateSeconds / (sampling / Double(n))))
    }

    /// The learner machine's cores, kept within what the 2-core host can give it beside the actors.
    private static func learnerMachine(_ cpus: Double) -> Double { min(1.5, max(0.1, cpus)) }

    /// The learner machine on which an on-policy run's update takes as long as its wait for a
    /// step's groups (the update's seconds go as one over the machine's cores): where overlapping
    /// the two helps most. The wait is what the actors take, broadcast and verifying included,
    /// which the actor rows' sampling rate alone leaves out.
    static func balancedLearnerCPUs(_ cpus: Double, updateSeconds: Double, waitSeconds: Double) -> Double {
        guard updateSeconds > 0, waitSeconds > 0 else { return cpus }
        return learnerMachine(cpus * updateSeconds / waitSeconds)
    }

    /// The in-flight bound that lets actors sample `maxStaleness` steps ahead of the learner: each
    /// step looks at `groups / keptFraction` groups (the rest have no reward variance), and the
    /// default bound of three steps' prompts is barely one step of those (measured: the actors
    /// then idled 30 % of an asynchronous run and the learner waited 1.1 s a step for them).
    static func asyncInFlight(groups: Int, keptFraction: Double, maxStaleness: Int) -> Int {
        max(3 * groups, Int((Double((maxStaleness + 1) * groups) / max(keptFraction, 0.05)).rounded(.up)))
    }

    /// One run of the asynchrony pair; `maxInFlight` nil keeps the config's bound (the on-policy
    /// side: a larger one only has its actors sample more groups that go stale during the update).
    private static func asyncRow(_ o: Options, actors N: Int, learnerCPUs: Double, maxStaleness: Int, maxInFlight: Int? = nil, steps: Int,
                                 evaluate: Bool, name: String, log: (String) -> Void) throws -> AsyncRow {
        let eval = evaluate ? ["eval.problems=\(o.asyncEvalProblems)", "eval.final_problems=\(o.asyncEvalProblems)", "eval.samples=4", "eval.final_samples=4"]
            : []
        let overrides = ["cluster.machine_cpus=\(o.actorCPUs)", "cluster.learner_machine_cpus=\(learnerCPUs)",
                         "cluster.max_staleness=\(maxStaleness)", "cluster.actor_threads=1", "run.seed=11"] + eval
            + (maxInFlight.map { ["cluster.max_in_flight=\($0)"] } ?? [])
        let scratch = o.scratch + "/" + name
        let r = try ClusterBenchmark.run(executable: o.executable, configFile: o.configFile, base: o.base, actors: N, verifiers: 1,
                                         steps: steps, overrides: overrides, scratch: scratch, timeout: o.timeout, log: log)
        var row = AsyncRow(maxStaleness: maxStaleness, actors: N, steps: steps, maxInFlight: maxInFlight, learnerCPUs: learnerCPUs, trainedGroupsPerSecond: r.trainedGroupsPerSecond,
                           accuracyPerStep: r.accuracy.median, updateSeconds: r.updateSeconds.median, waitSeconds: r.waitSeconds.median)
        let summary = ClusterBenchmark.runDirectory(scratch: scratch, actors: N) + "/summary.json"
        if let s = try? JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: summary))) {
            row.passAt1Before = s.before?.passAtK["1"]
            row.passAt1After = s.after?.passAtK["1"]
            let one = s.after?.curve?.first { $0.k == 1 }
            row.passAt1Low = one?.passLow
            row.passAt1High = one?.passHigh
        }
        return row
    }

    /// The actor rows, the smallest (which the model is fitted on) run again after the others and
    /// taken as the mean of both: the host drifts over the minutes between rows (one run's
    /// one-actor row sampled 13.3 groups/s and the next run's 10.2), and a drift either way
    /// would otherwise be read as the larger rows scaling better or worse.
    private static func actorRows(_ o: Options, log: (String) -> Void) throws -> [ActorRow] {
        var rows = try o.actors.map { try actorRow(o, actors: $0, log: log) }
        guard rows.count > 1 else { return rows }
        let again = try actorRow(o, actors: rows[0].actors, log: log)
        rows[0] = averaged(rows[0], again)
        return rows
    }

    static func averaged(_ a: ActorRow, _ b: ActorRow) -> ActorRow {
        var r = a
        r.sampledGroupsPerSecond = (a.sampledGroupsPerSecond + b.sampledGroupsPerSecond) / 2
        r.runs = a.runs + b.runs
        r.actorIdleFraction = (a.actorIdleFraction + b.actorIdleFraction) / 2
        r.keptFraction = (a.keptFraction + b.keptFraction) / 2
        r.learnerUpdateSeconds = (a.learnerUpdateSeconds + b.learnerUpdateSeconds) / 2
        return r
    }

    private static func actorRow(_ o: Options, actors N: Int, log: (String) -> Void) throws -> ActorRow {
        let overrides = ["cluster.machine_cpus=\(o.actorCPUs)", "cluster.learner_machine_cpus=\(o.learnerCPUs)",
                         "cluster.max_staleness=100000", "cluster.max_in_flight=1000000", "cluster.actor_threads=1"]
        let r = try ClusterBenchmark.run(executable: o.executable, configFile: o.configFile, base: o.base, actors: N, verifiers: 1,
                                         steps: o.clusterSteps, overrides: overrides, scratch: o.scratch, timeout: o.timeout, log: log)
        return ActorRow(actors: N, machineCPUs: o.actorCPUs, sampledGroupsPerSecond: r.overallTrajectoriesPerSecond,
                        runs: [r.overallTrajectoriesPerSecond], speedup: 1,
                        actorIdleFraction: r.actorIdleFraction.median, keptFraction: r.keptFraction,
                        learnerUpdateSeconds: r.updateSeconds.median,
                        limitedBy: r.actorIdleFraction.median > 0.2 ? "the broker or verifying (actors idle)" : "sampling")
    }

    /// Speed-ups over the smallest rows, the model's costs from the rows it is fitted on, and its
    /// predictions for the other rows and for clusters of up to 64 machines.
    private static func fit(_ r: inout Report, _ o: Options) {
        guard let one = r.learner.first, let firstActor = r.actors.first else { return }
        for i in r.learner.indices { r.learner[i].speedup = r.learner[i].trainedTokensPerSecond / one.trainedTokensPerSecond }
        for i in r.actors.indices { r.actors[i].speedup = r.actors[i].sampledGroupsPerSecond / firstActor.sampledGroupsPerSecond }
        let t1 = one.secondsPerUpdate.median
        // The ranks' overhead, from the smallest K > 1 only (the larger K are predictions): its
        // seconds in collectives, measured on rank 0, as two ranks' (a ring's cost at K is 2(K−1)/K
        // of two ranks'). The row's excess over t1 / K would do without them, but carries the
        // row's own noise, which the fit then multiplies.
        let atTwo = r.learner.dropFirst().first.map { row in
            let overhead = row.collectiveSeconds?.median ?? max(0, row.secondsPerUpdate.median - t1 / Double(row.ranks))
            return overhead / (2 * Double(row.ranks - 1) / Double(row.ranks))
        } ?? 0
        let tokensPerGroup = Double(one.tokensPerUpdate) / Double(o.groups)
        let model = Model(cpuSecondsPerTrainedToken: t1 * o.rankCPUs / Double(one.tokensPerUpdate), collectiveSecondsAtTwoRanks: atTwo,
                          cpuSecondsPerSampledGroup: o.actorCPUs * Double(firstActor.actors) / firstActor.sampledGroupsPerSecond,
                          tokensPerGroup: tokensPerGroup, groupsPerUpdate: o.groups,
                          keptFraction: r.actors.map(\.keptFraction).reduce(0, +) / Double(r.actors.count),
                          broadcastBytes: broadcastBytes, linkBitsPerSecond: o.linkBitsPerSecond, rankCPUs: o.rankCPUs, actorCPUs: o.actorCPUs,
                          weightFanout: r.broadcast == nil ? 0 : 1)
        for i in r.learner.indices.dropFirst(2) {
            r.learner[i].predictedTokensPerSecond = Double(r.learner[i].tokensPerUpdate) / model.updateSeconds(ranks: r.learner[i].ranks)
        }
        for i in r.actors.indices.dropFirst() {
            r.actors[i].predictedGroupsPerSecond = Double(r.actors[i].actors) * o.actorCPUs / model.cpuSecondsPerSampledGroup
        }
        r.model = model
        r.predictions = [2, 4, 8, 16, 32, 64].map { best(model, machines: $0) }
    }

    /// The default model's parameter count (846,208: 4 layers, width 128, our tokenizer's vocabulary).
    public static let defaultModelParameters = ParameterLayout(GPTConfig(vocabSize: Tokenizer.standard.vocabSize)).count

    /// The default model's weights message (its floats and the header).
    static let broadcastBytes = Double(defaultModelParameters) * 4 + 64

    /// The split of `machines` into learner ranks and actors with the most trained groups per second.
    static func best(_ m: Model, machines: Int) -> Prediction {
        let splits = (1..<machines).map { K -> Prediction in
            let t = m.throughput(ranks: K, actors: machines - K)
            return Prediction(machines: machines, ranks: K, actors: machines - K, trainedGroupsPerSecond: t.groupsPerSecond, limitedBy: t.limitedBy)
        }
        return splits.max { $0.trainedGroupsPerSecond < $1.trainedGroupsPerSecond }!
    }

    /// Whether the two asynchrony runs end at the same held-out pass@1 within noise: their 95 %
    /// intervals overlap (the same problems, samples and number of steps).
    static func samePassAt1(_ rows: [AsyncRow]) -> Bool {
        guard rows.count == 2, let a = rows[0].passAt1Low, let b = rows[0].passAt1High,
              let c = rows[1].passAt1Low, let d = rows[1].passAt1High else { return false }
        return a <= d && c <= b
    }

    private static func targets(_ r: Report) -> [BenchReport.Target] {
        typealias T = BenchReport.Target
        let k4 = r.learner.first { $0.ranks == 4 }?.speedup
        let n8 = r.actors.first { $0.actors == 8 }?.speedup
        let errors = r.learner.compactMap { row in row.predictedTokensPerSecond.map { abs($0 / row.trainedTokensPerSecond - 1) } }
            + r.actors.compactMap { row in row.predictedGroupsPerSecond.map { abs($0 / row.sampledGroupsPerSecond - 1) } }
        let worst = errors.max()
        let a = r.asynchrony.count == 2 ? r.asynchrony[1].trainedGroupsPerSecond / r.asynchrony[0].trainedGroupsPerSecond : nil
        let asyncNote = r.asynchrony.count == 2
            ? String(format: "1 learner machine of %.2f core (sized by a %d-step on-policy probe to update as long as it waits) + %d actor machine(s) as in the actor rows, %d steps each; held-out pass@1 %@ → %@ on-policy, %@ → %@ with staleness ≤ %d and %@ groups in flight (95 %% intervals %@, %@)",
                     r.asynchrony[0].learnerCPUs, r.asynchronyProbe?.steps ?? 0, r.asynchrony[0].actors, r.asynchrony[0].steps,
                     p(r.asynchrony[0].passAt1Before), p(r.asynchrony[0].passAt1After), p(r.asynchrony[1].passAt1Before), p(r.asynchrony[1].passAt1After),
                     r.asynchrony[1].maxStaleness, r.asynchrony[1].maxInFlight.map(String.init) ?? "the config's",
                     ci(r.asynchrony[0]), ci(r.asynchrony[1]))
            : "not measured"
        func p(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "—" }
        func ci(_ a: AsyncRow) -> String { "\(p(a.passAt1Low))–\(p(a.passAt1High))" }
        let b = r.broadcast?.cases
        func ms(_ n: Int, _ f: Int) -> Double? { b?.first { $0.subscribers == n && $0.fanout == f }?.milliseconds.median }
        let relayed = ms(8, 1).flatMap { eight in ms(1, 0).map { eight / $0 } }
        let broadcastNote = relayed == nil ? "not measured"
            : String(format: "medians: 1 actor %.1f ms from the learner; 8 actors %.1f ms from the learner, %.1f ms down a relay chain "
                     + "(cluster.weight_fanout=1); worst round of the chain %.1f ms", ms(1, 0)!, ms(8, 0) ?? .nan, ms(8, 1)!,
                     b!.first { $0.subscribers == 8 && $0.fanout == 1 }!.milliseconds.max)
        return [
            T(name: "learner scaling: 4 ranks vs 1, trained tokens/s", value: k4, goal: "≥ 3.2×", met: k4.map { $0 >= 3.2 }),
            T(name: "actor scaling: 8 actors vs 1, sampled groups/s", value: n8, goal: "≥ 6.4×", met: n8.map { $0 >= 6.4 }),
            T(name: "model vs emulated rows, worst relative error", value: worst.map { $0 * 100 }, goal: "≤ 20 %", met: worst.map { $0 <= 0.2 },
              note: "fitted on 1 rank, the smallest K > 1's seconds in collectives and 1 actor (run first and last); every other row is a prediction"),
            T(name: "asynchrony: max_staleness 2 vs 0, trained groups/s", value: a, goal: "≥ 1.7×, same pass@1",
              met: a.map { $0 >= 1.7 && samePassAt1(r.asynchrony) }, note: asyncNote),
            T(name: "broadcast to 8 actors over 1 Gbit/s vs to 1", value: relayed, goal: "≤ 2×", met: relayed.map { $0 <= 2 },
              note: broadcastNote),
        ]
    }
}
