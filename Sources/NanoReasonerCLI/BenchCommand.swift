import ArgumentParser
import Benchmarks
import Foundation
import Kernels
import Tasks
import TinyGPT

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the policy's training and sampling throughput, side by side with PyTorch when installed.")

    @Option(help: "Training batch (sequences).") var batch = 64
    @Option(help: "Training sequence length.") var seq = 64
    @Option(help: "Timed steps per repetition.") var steps = 10
    @Option(help: "Repetitions (the median is reported).") var repeats = 3
    @Option(help: "Python interpreter for the PyTorch side.") var python = "python3"
    @Flag(help: "Fewer steps, for a quick look.") var quick = false
    @Flag(help: "Skip the PyTorch comparison.") var noTorch = false
    @Flag(help: "Print results as JSON on stdout.") var json = false

    struct Row: Codable {
        var metric: String
        var ours: Double
        var ours_runs: [Double]
        var pytorch: Double?
        var ratio: Double?
        var target: Double
    }

    struct Report: Codable {
        var threads: Int
        var openblas_coretype: String?
        var model: GPTConfig
        var parameters: Int
        var rows: [Row]
        var pytorch_note: String?
    }

    func run() throws {
        let config = GPTConfig(vocabSize: Tokenizer.standard.vocabSize)
        let steps = quick ? 4 : steps, repeats = quick ? 2 : repeats
        let threads = Parallel.threads
        log("bench: training \(batch)×\(seq) tokens/step, \(steps) steps × \(repeats) repeats, \(threads) threads")
        let train = try TrainingBenchmark.run(config: config, batch: batch, seq: seq, steps: steps, repeats: repeats)
        log("bench: sampling batch \(batch), 16 prompt + 64 new tokens")
        let sample = try SamplingBenchmark.run(config: config, batch: batch, promptLength: 16, newTokens: 64, repeats: repeats)
        var note: String?
        var torchTrain: Double?, torchGen: Double?
        if !noTorch {
            let common = ["--layers", "\(config.layers)", "--heads", "\(config.heads)", "--width", "\(config.width)",
                          "--context", "\(config.contextLength)", "--vocab", "\(config.vocabSize)", "--batch", "\(batch)",
                          "--threads", "\(threads)", "--repeats", "\(repeats)", "--json"]
            log("bench: PyTorch training (scripts/torch_train_bench.py)")
            switch runPython(["scripts/torch_train_bench.py", "--seq", "\(seq)", "--steps", "\(steps)"] + common) {
            case .success(let obj): torchTrain = obj["tokens_per_s_median"] as? Double
            case .failure(let why): note = why
            }
            if torchTrain != nil {
                log("bench: Hugging Face generate")
                if case .success(let obj) = runPython(["scripts/torch_train_bench.py", "--mode", "generate", "--prompt-len", "16",
                                                       "--new-tokens", "64"] + common) {
                    torchGen = obj["new_tokens_per_s_median"] as? Double
                }
            }
        } else {
            note = "skipped (--no-torch)"
        }
        let rows = [
            Row(metric: "train tokens/s", ours: train.median, ours_runs: train.tokensPerSecond, pytorch: torchTrain,
                ratio: torchTrain.map { train.median / $0 }, target: 1.5),
            Row(metric: "sample new tokens/s", ours: sample.median, ours_runs: sample.newTokensPerSecond, pytorch: torchGen,
                ratio: torchGen.map { sample.median / $0 }, target: 5),
        ]
        let report = Report(threads: threads, openblas_coretype: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"],
                            model: config, parameters: try GPT(config: config).parameterCount, rows: rows, pytorch_note: note)
        if json { try printJSON(report) } else { printTable(report) }
    }

    private enum PythonResult { case success([String: Any]), failure(String) }

    private func runPython(_ args: [String]) -> PythonResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return .failure("could not run \(python): \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus == 3 {
            return .failure("PyTorch not installed: pip install torch transformers safetensors (or `make torch`)")
        }
        guard p.terminationStatus == 0, let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return .failure("\(args[0]) failed with status \(p.terminationStatus)")
        }
        return .success(obj)
    }

    private func printTable(_ r: Report) {
        print("model: \(r.parameters) parameters (\(r.model.layers) layers, \(r.model.heads) heads, width \(r.model.width)); \(r.threads) threads; OpenBLAS kernels: \(r.openblas_coretype ?? "auto")")
        print("metric                     ours (min–max)              PyTorch      ours/PyTorch  target")
        for row in r.rows {
            let range = String(format: "%.0f (%.0f–%.0f)", row.ours, row.ours_runs.min()!, row.ours_runs.max()!)
            let torch = row.pytorch.map { String(format: "%.0f", $0) } ?? "—"
            let ratio = row.ratio.map { String(format: "%.2f×", $0) } ?? "—"
            print(row.metric.padding(toLength: 27, withPad: " ", startingAt: 0)
                  + range.padding(toLength: 28, withPad: " ", startingAt: 0)
                  + torch.padding(toLength: 13, withPad: " ", startingAt: 0)
                  + ratio.padding(toLength: 14, withPad: " ", startingAt: 0) + "≥ \(row.target)×")
        }
        if let n = r.pytorch_note { print("PyTorch: \(n)") }
    }
}
