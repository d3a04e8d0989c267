import Cluster
import Foundation
import Kernels
import Trainer

/// The synchronous single-process loop (what `nanoreasoner train` runs: `RLRun` over a
/// `LocalSource`) at the cluster's settings, in this process on every core: sample → verify
/// → update, one after another.
public enum SyncLoopBenchmark {
    public struct Result: Codable, Sendable {
        public var steps: Int
        public var threads: Int
        /// Groups sampled per second (zero-variance ones included, as the cluster counts them), per step.
        public var trajectoriesPerSecond: Stats
        /// Tokens per second while sampling (the update excluded), per step.
        public var samplingPhaseTokensPerSecond: Stats
        public var stepSeconds: Stats
        /// Groups over seconds across the measured steps.
        public var overallTrajectoriesPerSecond: Double
    }

    /// Runs `algorithm.steps` steps from `base`, no evaluation; step 1 (warm-up) is left out as in `ClusterBenchmark`.
    public static func run(_ experiment: ExperimentConfig, base: String, scratch: String) throws -> Result {
        var exp = experiment
        guard exp.rl.steps >= 2 else { throw BenchError.invalid("the synchronous loop needs ≥ 2 steps") }
        exp.initFrom = base
        exp.rl.finalEvalProblems = 0
        exp.rl.evalEvery = 0
        exp.rl.checkpointEvery = 0
        exp.rl.timeLimitMinutes = 0
        let runDir = (scratch as NSString).appendingPathComponent("sync-loop")
        let run = try RunStart(config: exp, runDir: runDir, resume: false).localRun(config: exp, runDir: runDir, log: { _ in })
        var steps: [StepMetrics] = []
        run.onStep = { steps.append($0) }
        _ = try run.run()
        let measured = steps.dropFirst()
        let groups = measured.reduce(0) { $0 + $1.groupsSampled }
        return Result(steps: steps.count, threads: Parallel.threads,
                      trajectoriesPerSecond: Stats(measured.map { Double($0.groupsSampled) / max($0.stepSeconds, 1e-9) }),
                      samplingPhaseTokensPerSecond: Stats(measured.map(\.sampledTokensPerSecond)),
                      stepSeconds: Stats(measured.map(\.stepSeconds)),
                      overallTrajectoriesPerSecond: Double(groups) / max(measured.reduce(0) { $0 + $1.stepSeconds }, 1e-9))
    }
}
