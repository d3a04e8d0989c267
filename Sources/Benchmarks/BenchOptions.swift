import Foundation

/// What `nanoreasoner bench` runs, and how much of it.
public struct BenchOptions: Sendable {
    public var quick = false
    /// Rows per batch for the policy benchmarks.
    public var batchSizes = [16, 64, 256]
    /// The batch size compared against PyTorch (must be in `batchSizes`).
    public var torchBatch = 64
    public var seq = 64
    public var steps = 5
    public var repeats = 5
    public var python = "python3"
    public var torch = true
    /// The `nanoreasoner` executable, for the cluster runs.
    public var executable = ""
    /// Config file for the cluster runs (nil: the built-in defaults).
    public var configFile: String? = "configs/default.yaml"
    public var base = "runs/base"
    public var clusterActors = [1, 2, 4]
    public var clusterSteps = 8
    /// `algorithm.prompts_per_step` for the cluster and the synchronous loop (nil: the config's).
    public var promptsPerStep: Int?
    public var trajectoryBatches = 6
    public var zmqMessages = 50_000
    public var broadcastRounds = 20
    public var broadcastSubscribers = [1, 2, 4]
    public var tenX = true
    public var clusterTimeout = 600.0
    /// A real pretrained model's folder for the SmolLM2 rows (skipped, with a note, when absent).
    public var realModel = "runs/smollm2-135m-instruct"
    /// Only the real-model rows (with the sgemm peak they are shares of).
    public var realModelOnly = false
    /// Which real-model rows: sampling, training (full and LoRA), rl-step (against TRL).
    public var realModelParts: Set<String> = Self.allRealModelParts
    public static let allRealModelParts: Set<String> = ["sampling", "training", "rl-step"]
    /// The run config whose RL step is timed against TRL's GRPOTrainer.
    public var rlStepConfig = "configs/smollm2.yaml"

    public init() {}

    /// The `--quick` preset: well under a minute on a 2-core machine.
    public static var quickPreset: BenchOptions {
        var o = BenchOptions()
        o.quick = true
        o.batchSizes = [16, 64]
        o.steps = 2
        o.repeats = 3
        o.clusterActors = [1, 2]
        o.clusterSteps = 4
        o.promptsPerStep = 8
        o.trajectoryBatches = 3
        o.zmqMessages = 20_000
        o.broadcastRounds = 5
        o.broadcastSubscribers = [1, 2, 4]
        o.tenX = false
        o.clusterTimeout = 120
        return o
    }

    /// Throws a clear error for settings that cannot run.
    public func validate() throws {
        func bad(_ m: String) -> BenchError { .invalid(m) }
        if batchSizes.isEmpty || batchSizes.contains(where: { $0 < 1 }) { throw bad("batch sizes must be ≥ 1, got \(batchSizes)") }
        if seq < 1 { throw bad("--seq must be ≥ 1, got \(seq)") }
        if steps < 1 || repeats < 1 { throw bad("--steps and --repeats must be ≥ 1") }
        if clusterActors.contains(where: { $0 < 1 }) { throw bad("actor counts must be ≥ 1, got \(clusterActors)") }
        if !clusterActors.isEmpty && clusterSteps < 2 { throw bad("--cluster-steps must be ≥ 2 (step 1 is warm-up), got \(clusterSteps)") }
        if let p = promptsPerStep, p < 1 { throw bad("--prompts-per-step must be ≥ 1, got \(p)") }
        if trajectoryBatches < 1 || zmqMessages < 1 || broadcastRounds < 1 { throw bad("trajectory batches, messages and rounds must be ≥ 1") }
        if broadcastSubscribers.contains(where: { $0 < 1 || $0 > 64 }) { throw bad("subscriber counts must be in 1…64") }
    }
}
