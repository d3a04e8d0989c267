import Foundation
import Transport
import Trainer

/// The local cluster as real processes: `nanoreasoner launch` with `--set` overrides (a fixed
/// number of steps, a temporary run directory, no held-out evaluation, free ports), measured
/// from the run's metrics.jsonl. Step 1 includes the workers' start-up and is left out.
public enum ClusterBenchmark {
    public struct Result: Codable, Sendable {
        public var actors: Int
        public var verifiers: Int
        public var steps: Int
        /// Trajectory groups received per second, per step.
        public var trajectoriesPerSecond: Stats
        public var sampledTokensPerSecond: Stats
        public var stepSeconds: Stats
        public var updateSeconds: Stats
        public var waitSeconds: Stats
        /// wait / (wait + update), per step.
        public var learnerIdleFraction: Stats
        public var actorIdleFraction: Stats
        public var staleness: Stats
        /// Seconds the broker spent publishing weights, per step.
        public var broadcastSeconds: Stats
        public var compressionRatio: Stats
        /// Groups over seconds across the measured steps (the headline rate).
        public var overallTrajectoriesPerSecond: Double
        /// Groups trained over groups the learner looked at (the rest had no reward variance).
        public var keptFraction: Double
        /// Groups trained over seconds across the measured steps.
        public var trainedGroupsPerSecond: Double
        /// Training accuracy of the sampled groups, per measured step.
        public var accuracy: Stats
        public var wallSeconds: Double
    }

    /// Where `run` puts the run directory (its summary.json, metrics.jsonl, checkpoint).
    public static func runDirectory(scratch: String, actors: Int) -> String {
        (scratch as NSString).appendingPathComponent("cluster-\(actors)")
    }

    /// Runs the cluster once; `overrides` are extra `--set` values (prompts per step, group size…).
    public static func run(executable: String, configFile: String?, base: String, actors: Int, verifiers: Int, steps: Int,
                           overrides: [String], scratch: String, timeout: Double, log: (String) -> Void) throws -> Result {
        guard actors >= 1, steps >= 2 else { throw BenchError.invalid("a cluster run needs ≥ 1 actor and ≥ 2 steps") }
        let out = runDirectory(scratch: scratch, actors: actors)
        try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let port = try FreePorts.find()
        let sets = ["run.init_from=\(base)", "run.out=\(out)", "run.checkpoint_every=0", "eval.final_problems=0", "eval.every=0",
                    "algorithm.steps=\(steps)", "cluster.base_port=\(port)", "cluster.actors=\(actors)",
                    "cluster.verifiers=\(verifiers)"] + overrides
        let logPath = (scratch as NSString).appendingPathComponent("cluster-\(actors).log")
        let args = ["launch"] + (configFile.map { [$0] } ?? []) + sets.flatMap { ["--set", $0] }
        log("bench: cluster with \(actors) actor(s), \(verifiers) verifier(s), \(steps) steps (log \(logPath))")
        let start = Date()
        let status = try Subprocess.run(executable, args, logPath: logPath, timeout: timeout)
        let wall = Date().timeIntervalSince(start)
        guard status == 0 else {
            throw BenchError.failed("launch with \(actors) actors exited with status \(status); see \(logPath)\n" + Subprocess.tail(logPath))
        }
        let text = (try? String(contentsOfFile: (out as NSString).appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? ""
        let rows = try text.split(separator: "\n").map { try JSONDecoder().decode(StepMetrics.self, from: Data($0.utf8)) }
        let measured = Array(rows.dropFirst())
        guard !measured.isEmpty else { throw BenchError.failed("the \(actors)-actor run wrote no step metrics (\(out))") }
        func s(_ f: (StepMetrics) -> Double) -> Stats { Stats(measured.map(f)) }
        let groups = Double(measured.reduce(0) { $0 + $1.groupsSampled })
        let trained = Double(measured.reduce(0) { $0 + $1.groupsTrained })
        let seconds = max(measured.reduce(0) { $0 + $1.stepSeconds }, 1e-9)
        return Result(actors: actors, verifiers: verifiers, steps: rows.count,
                      trajectoriesPerSecond: s(\.trajectoriesPerSecond), sampledTokensPerSecond: s(\.sampledTokensPerSecond),
                      stepSeconds: s(\.stepSeconds), updateSeconds: s(\.updateSeconds), waitSeconds: s(\.waitSeconds),
                      learnerIdleFraction: s { $0.waitSeconds / max($0.waitSeconds + $0.updateSeconds, 1e-9) },
                      actorIdleFraction: s(\.actorIdleFraction), staleness: s(\.stalenessMean),
                      broadcastSeconds: s(\.broadcastSeconds), compressionRatio: s(\.compressionRatio),
                      overallTrajectoriesPerSecond: groups / seconds,
                      keptFraction: trained / max(1, trained + Double(measured.reduce(0) { $0 + $1.groupsZeroVariance })),
                      trainedGroupsPerSecond: trained / seconds,
                      accuracy: s { Double($0.accuracy) },
                      wallSeconds: wall)
    }
}
