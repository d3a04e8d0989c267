import Foundation
import Kernels

extension BenchSuite {
    /// The cluster at each actor count, then the synchronous loop at the same settings.
    func cluster(base: BaseCheckpoint) throws {
        guard !options.clusterActors.isEmpty else { report.skipped.append("cluster runs (no actor counts given)"); return }
        guard !options.executable.isEmpty, FileManager.default.isExecutableFile(atPath: options.executable) else {
            throw BenchError.invalid("cannot find the nanoreasoner executable to launch (\(options.executable))")
        }
        let exp = try experiment(extra: ["algorithm.steps=\(options.clusterSteps)"])
        let rl = exp.rl, cl = exp.cluster
        var c = BenchReport.ClusterSection()
        c.settings = ["\(options.clusterSteps) steps (step 1 is warm-up and left out)", "prompts_per_step \(rl.promptsPerStep)",
                      "group_size \(rl.groupSize)", "\(cl.verifiers) verifiers", "actor_batch \(cl.actorBatch)",
                      "actor_threads \(cl.actorThreads)", "learner_threads \(cl.learnerThreads)", "max_staleness \(rl.maxStaleness)",
                      "base \(base.pretrainedForBench ? "pretrained for the bench (no \(options.base))" : base.path)"]
        let configFile = options.configFile.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        for n in options.clusterActors {
            attempt("cluster with \(n) actors") {
                c.runs.append(try ClusterBenchmark.run(
                    executable: options.executable, configFile: configFile, base: base.path, actors: n, verifiers: cl.verifiers,
                    steps: options.clusterSteps, overrides: clusterOverrides, scratch: scratch, timeout: options.clusterTimeout, log: log))
            }
        }
        log("bench: synchronous loop (the same RLRun, sampled in this process, \(Parallel.threads) threads), \(options.clusterSteps) steps")
        attempt("synchronous loop") { c.sync = try SyncLoopBenchmark.run(exp, base: base.path, scratch: scratch) }
        if let s = c.sync, s.overallTrajectoriesPerSecond > 0 {
            c.speedups = c.runs.map { $0.overallTrajectoriesPerSecond / s.overallTrajectoriesPerSecond }
        }
        let cores = report.cores
        c.note = "\(cores) cores. Each cluster run starts 1 learner (\(cl.learnerThreads) thread), N actors (\(cl.actorThreads) thread each) "
            + "and \(cl.verifiers) verifiers as processes, so it wants \(cl.learnerThreads + cl.actorThreads) + N·\(cl.actorThreads) cores; "
            + "the synchronous loop uses all \(Parallel.threads) threads in one process. "
            + (cores < 4 ? "With \(cores) cores the learner and the actors take turns on the same cores: sampling and updating cannot overlap, "
               + "extra actors only add contention and context switches, so the async speed-up is bounded near 1× here."
               : "")
        report.cluster = c
        if !options.clusterActors.contains(4) { report.skipped.append("4-actor cluster run (--quick)") }
    }
}
