import TinyGPT

/// Everything `nanoreasoner bench` measured, as written to bench.json and printed by `--json`.
public struct BenchReport: Codable, Sendable {
    /// The policy at one batch size: training and sampling with achieved GFLOP/s.
    public struct PolicyRow: Codable, Sendable {
        public var rows: Int
        public var training: TrainingBenchmark.Result
        public var sampling: SamplingBenchmark.Result
        /// Median GFLOP/s over the median measured sgemm peak.
        public var trainingPeakFraction: Double
        public var samplingPeakFraction: Double
        public init(rows: Int, training: TrainingBenchmark.Result, sampling: SamplingBenchmark.Result, peak: Double) {
            self.rows = rows; self.training = training; self.sampling = sampling
            trainingPeakFraction = peak > 0 ? training.gflops.median / peak : 0
            samplingPeakFraction = peak > 0 ? sampling.gflops.median / peak : 0
        }
    }

    /// The PyTorch side, at one batch size, measured in pairs: one repetition of ours,
    /// then one of theirs, `pairs` times. Ratios are the median of the pairs' ratios.
    public struct Torch: Codable, Sendable {
        public var rows = 0
        public var pairs = 0
        /// Training tokens/s against PyTorch's.
        public var training: Paired?
        /// New tokens/s against Hugging Face `generate`.
        public var sampling: Paired?
        public var note: String?
        public init() {}
    }

    /// Ours and PyTorch's, measured in pairs (one repetition each, back to back).
    public struct Paired: Codable, Sendable {
        public var ours: Stats
        public var theirs: Stats
        /// Ours over theirs, pair by pair.
        public var ratios: Stats
        public var theirPeakResidentMB: Double?
    }

    /// A real pretrained model (SmolLM2-135M-Instruct) on its own shapes, against PyTorch.
    public struct RealModel: Codable, Sendable {
        public var path = ""
        public var parameters = 0
        public var pairs = 0
        public var sampleRows = 64
        public var newTokens = 64
        public var trainRows = 8
        public var trainSeq = 256
        /// New tokens/s against HF `generate`.
        public var sampling: Paired?
        /// Tokens/s of forward + backward + AdamW against transformers, and LoRA against peft.
        public var fullFineTuning: Paired?
        public var lora: Paired?
        /// One RL step of `rlStepConfig` (8 prompts × 8 completions) against TRL's GRPOTrainer, in
        /// completions per second (so the ratio is the speed-up), and our step's seconds by stage.
        public var rlStep: Paired?
        public var rlStepConfig = ""
        public var rlStepStages: RLStepStages?
        /// GFLOP/s at 2N (sampling) or 6N (training) FLOPs per token over the sgemm peak.
        public var samplingPeakFraction: Double?
        public var fullFineTuningPeakFraction: Double?
        public var loraPeakFraction: Double?
        /// Why a part was not measured.
        public var note: String?
        public init() {}
    }

    /// Our RL step's seconds by stage over the pairs (medians and ranges), and TRL's whole step.
    public struct RLStepStages: Codable, Sendable {
        public var sample = Stats([]), score = Stats([]), update = Stats([]), broadcast = Stats([]), total = Stats([])
        public var completionTokens = Stats([])
        public var theirSeconds = Stats([])
        public var theirGenerationSeconds = Stats([])
        public init() {}
    }

    /// Codec, transport and broadcast.
    public struct WireSection: Codable, Sendable {
        public var trajectorySource = ""
        public var trajectories: WireBenchmark.Result?
        public var weights: WireBenchmark.Result?
        public var zmq: ZMQThroughput.Result?
        /// The same with CurveZMQ, measured right after (the cluster's default).
        public var zmqCurve: ZMQThroughput.Result?
        public var samplingSecondsPerGroup = Stats([])
        /// (codec + transport) seconds per group over sampling seconds per group.
        public var wireShareOfRollout: Double?
        public var broadcast: [BroadcastBenchmark.Result] = []
        public var note = ""
        public init() {}
    }

    /// The cluster against the synchronous loop.
    public struct ClusterSection: Codable, Sendable {
        public var settings: [String] = []
        public var runs: [ClusterBenchmark.Result] = []
        public var sync: SyncLoopBenchmark.Result?
        /// Cluster over synchronous trajectories/s, per actor count (same order as `runs`).
        public var speedups: [Double] = []
        public var note = ""
        public init() {}
    }

    /// One stage of an RL step, as one core would spend it.
    public struct Stage: Codable, Sendable {
        public var stage: String
        public var milliseconds: Stats
        public var source: String
        public init(stage: String, milliseconds: Stats, source: String) {
            self.stage = stage; self.milliseconds = milliseconds; self.source = source
        }
    }

    /// A figure beside its goal.
    public struct Target: Codable, Sendable {
        public var name: String
        public var value: Double?
        public var goal: String
        /// nil when not measured or not judged on this machine.
        public var met: Bool?
        public var note: String?
        public init(name: String, value: Double?, goal: String, met: Bool?, note: String? = nil) {
            self.name = name; self.value = value; self.goal = goal; self.met = met; self.note = note
        }
    }

    public var quick = false
    public var cores = 0
    public var threads = 0
    public var openblasCoretype: String?
    public var model: GPTConfig?
    public var parameters = 0
    public var matmulParameters = 0
    public var flopConvention = FLOPCount.convention
    public var peak = PeakGEMM.Result(size: 0, threads: 0, gemm: Stats([]), openblasThreaded: Stats([]))
    public var policy: [PolicyRow] = []
    public var torch = Torch()
    public var realModel: RealModel?
    public var wire = WireSection()
    public var cluster = ClusterSection()
    public var breakdown: [Stage] = []
    public var breakdownNote = ""
    public var targets: [Target] = []
    public var skipped: [String] = []
    public var files: [String] = []

    public init() {}
}
