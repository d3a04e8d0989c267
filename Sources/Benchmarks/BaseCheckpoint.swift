import Cluster
import Foundation
import Pretrain
import TinyGPT

/// The base policy the wire and cluster benchmarks start from.
public struct BaseCheckpoint: Sendable {
    /// A run or checkpoint directory `PolicyFiles` can load.
    public var path: String
    /// True when no checkpoint existed and a quick one was pretrained for the bench.
    public var pretrainedForBench: Bool

    /// `preferred` (runs/base) when it holds a checkpoint; otherwise pretrains `steps` steps into
    /// `scratch`: by default as many as `make run`'s base (half a minute on two cores), so that the
    /// benches' RL rows start where the main job does.
    public static func locate(preferred: String, scratch: String, steps: Int = PretrainConfig().steps,
                              log: (String) -> Void) throws -> BaseCheckpoint {
        let dir = PolicyFiles.checkpointDir(preferred)
        if FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("model.safetensors")) {
            return BaseCheckpoint(path: preferred, pretrainedForBench: false)
        }
        log("bench: no checkpoint at \(preferred); pretraining a \(steps)-step base into \(scratch) (make a real one with `nanoreasoner pretrain`)")
        var c = PretrainConfig()
        c.steps = steps
        c.warmupSteps = min(c.warmupSteps, steps / 4)
        let trainer = try Pretrainer(config: c)
        while trainer.step < steps { _ = try trainer.trainStep() }
        let out = (scratch as NSString).appendingPathComponent("checkpoint")
        try trainer.save(to: out)
        return BaseCheckpoint(path: scratch, pretrainedForBench: true)
    }
}
