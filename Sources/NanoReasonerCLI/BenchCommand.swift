import ArgumentParser
import Benchmarks
import Foundation
import Scaling

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the policy, the wire and the cluster end to end, side by side with PyTorch when installed.",
        discussion: """
            Policy: training and sampling tokens/s at several batch sizes with GFLOP/s against a measured sgemm peak. \
            Wire: codec MB/s and compression on real trajectories and weights, ZeroMQ PUSH→PULL throughput, weight \
            broadcast latency to 1/2/4 subscriber threads. End to end: `launch` with 1/2/4 actors against the \
            synchronous loop. Writes bench.json and bench.svg to --out. --quick finishes in under a minute.
            """)

    @Flag(help: "Fewer repeats, smaller cluster runs, fewer batch sizes; no 10× broadcast or 4-actor run.") var quick = false
    @Flag(help: "Print the report as JSON on stdout.") var json = false
    @Option(help: "Directory for bench.json and bench.svg.") var out = "runs/bench"
    @Flag(help: "Skip the PyTorch comparison.") var noTorch = false
    @Flag(help: "Skip the cluster and synchronous-loop runs.") var noCluster = false
    @Option(help: "Python interpreter for the PyTorch side.") var python = "python3"
    @Option(help: "Policy batch sizes in rows, comma-separated (default 16,64,256; --quick 16,64).") var batches: String?
    @Option(help: "Batch size compared with PyTorch.") var torchBatch = 64
    @Option(help: "Training sequence length.") var seq = 64
    @Option(help: "Timed training steps per repetition.") var steps: Int?
    @Option(help: "Repetitions (the median is reported).") var repeats: Int?
    @Option(help: "Actor counts for the cluster runs, comma-separated (default 1,2,4; --quick 1,2).") var actors: String?
    @Option(help: "RL steps per cluster run and for the synchronous loop.") var clusterSteps: Int?
    @Option(help: "Prompts per RL step (default: the config's; --quick 8).") var promptsPerStep: Int?
    @Option(help: "Base checkpoint (pretrained into a temp directory when missing).") var base = "runs/base"
    @Option(help: "Config file for the cluster runs.") var config = "configs/default.yaml"
    @Option(help: "A real model's folder for the SmolLM2 rows against PyTorch (`make smollm2` imports it here).")
    var realModel = "runs/smollm2-135m-instruct"
    @Flag(help: "Only the real-model rows (sampling, full fine-tuning and LoRA against PyTorch, an RL step against TRL) and the sgemm peak.")
    var realModelOnly = false
    @Option(help: "Which real-model rows, comma-separated: sampling, training, rl-step.")
    var realModelParts: String?
    @Option(help: "The run config whose RL step is timed against TRL's GRPOTrainer.")
    var rlStepConfig = "configs/smollm2.yaml"
    @Flag(help: "Only the scaling bench: learner ranks and actors on emulated machines (cgroup CPU quotas; root), and the throughput model.")
    var scaling = false
    @Option(help: "With --scaling, only these parts, comma-separated: learner, actors, asynchrony (needs both), broadcast.")
    var scalingParts: String?

    func run() throws {
        if scaling { return try runScaling() }
        var o = quick ? BenchOptions.quickPreset : BenchOptions()
        if let b = batches { o.batchSizes = try Self.list(b, "--batches") }
        if let a = actors { o.clusterActors = try Self.list(a, "--actors") }
        if noCluster { o.clusterActors = [] }
        if let v = steps { o.steps = v }
        if let v = repeats { o.repeats = v }
        if let v = clusterSteps { o.clusterSteps = v }
        if let v = promptsPerStep { o.promptsPerStep = v }
        o.torchBatch = torchBatch; o.seq = seq; o.python = python; o.torch = !noTorch; o.base = base; o.configFile = config
        o.realModel = realModel; o.realModelOnly = realModelOnly; o.rlStepConfig = rlStepConfig
        if let parts = realModelParts {
            let set = Set(parts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            guard !set.isEmpty, set.isSubset(of: BenchOptions.allRealModelParts) else {
                throw ValidationError("--real-model-parts takes \(BenchOptions.allRealModelParts.sorted().joined(separator: ", ")), got \(parts)")
            }
            o.realModelParts = set
        }
        o.executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        let suite: BenchSuite
        do { suite = try BenchSuite(options: o, log: log) } catch { throw ValidationError("\(error)") }
        var report = try suite.run()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let jsonPath = (out as NSString).appendingPathComponent("bench.json")
        let svgPath = (out as NSString).appendingPathComponent("bench.svg")
        report.files = [jsonPath, svgPath]
        try BenchChart.render(report).write(toFile: svgPath, atomically: true, encoding: .utf8)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try enc.encode(report).write(to: URL(fileURLWithPath: jsonPath))
        if json { try printJSON(report) } else { print(BenchTable.render(report)) }
    }

    private func runScaling() throws {
        var o = ScalingBenchmark.Options()
        o.executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        o.configFile = config
        if let a = actors { o.actors = try Self.list(a, "--actors") }
        if let v = clusterSteps { o.clusterSteps = v }
        if let p = scalingParts {
            let parts = Set(p.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            guard !parts.isEmpty, parts.isSubset(of: ScalingBenchmark.Options.allParts) else {
                throw ValidationError("--scaling-parts takes \(ScalingBenchmark.Options.allParts.sorted().joined(separator: ", ")), got '\(p)'")
            }
            o.parts = parts
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        o.scratch = out
        if !o.parts.isDisjoint(with: ["actors", "asynchrony"]) {  // the cluster runs train from the base
            do { o.base = try BaseCheckpoint.locate(preferred: self.base, scratch: out, log: log).path } catch { throw ValidationError("\(error)") }
        }
        let report: ScalingBenchmark.Report
        do { report = try ScalingBenchmark.run(o, log: log) } catch { throw ValidationError("\(error)") }
        let jsonPath = (out as NSString).appendingPathComponent("scaling.json")
        try ScalingChart.render(report).write(toFile: (out as NSString).appendingPathComponent("scaling.svg"), atomically: true, encoding: .utf8)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(report).write(to: URL(fileURLWithPath: jsonPath))
        if json { try printJSON(report) } else { print(ScalingTable.render(report)) }
    }

    /// "16,64,256" → [16, 64, 256], with a usage error naming the option otherwise.
    static func list(_ text: String, _ option: String) throws -> [Int] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("\(option) expects positive integers separated by commas, got '\(text)'")
        }
        return values
    }
}
