import Cluster
import Foundation
import Kernels
import Tasks
import Trainer

/// The synchronous single-process loop (`RLTrainer`, what `nanoreasoner train` runs) at the
/// cluster's settings, in this process on every core: sample → verify → update, one after another.
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

    /// Runs `rl.steps` steps from `base`; step 1 (warm-up) is left out as in `ClusterBenchmark`.
    public static func run(rl: RLConfig, base: String) throws -> Result {
        guard rl.steps >= 2 else { throw BenchError.invalid("the synchronous loop needs ≥ 2 steps") }
        let (model, tokenizer) = try PolicyFiles.load(base)
        let task = try ArithmeticTask(config: PolicyFiles.taskConfig(of: base))
        let trainer = try RLTrainer(config: rl, policy: model, tokenizer: tokenizer, task: task)
        var steps: [StepMetrics] = []
        while trainer.step < rl.steps { steps.append(try trainer.trainStep()) }
        let measured = steps.dropFirst()
        let groups = measured.reduce(0) { $0 + $1.groupsSampled }
        return Result(steps: steps.count, threads: Parallel.threads,
                      trajectoriesPerSecond: Stats(measured.map { Double($0.groupsSampled) / max($0.stepSeconds, 1e-9) }),
                      samplingPhaseTokensPerSecond: Stats(measured.map(\.sampledTokensPerSecond)),
                      stepSeconds: Stats(measured.map(\.stepSeconds)),
                      overallTrajectoriesPerSecond: Double(groups) / max(measured.reduce(0) { $0 + $1.stepSeconds }, 1e-9))
    }
}
