import Foundation
import Kernels
import Tasks
import TinyGPT

/// Runs every part of `nanoreasoner bench` in order and assembles the report.
/// A part that fails is recorded in `skipped` and the rest still runs.
public final class BenchSuite {
    public let options: BenchOptions
    let log: (String) -> Void
    var report = BenchReport()
    /// Temporary files (cluster runs, a quick base if needed); removed at the end unless something failed.
    let scratch: String
    var keepScratch = false
    /// Verifier seconds per group, from the wire part (for the stage breakdown).
    var verifyTime = Stats([])

    public init(options: BenchOptions, log: @escaping (String) -> Void) throws {
        try options.validate()
        self.options = options
        self.log = log
        scratch = (NSTemporaryDirectory() as NSString).appendingPathComponent("nanoreasoner-bench-\(getpid())")
    }

    /// Measures everything; the report's `files` are filled in by the caller that writes them.
    public func run() throws -> BenchReport {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { if !keepScratch { try? FileManager.default.removeItem(atPath: scratch) } }
        let config = GPTConfig(vocabSize: Tokenizer.standard.vocabSize)
        report.quick = options.quick
        report.cores = ProcessInfo.processInfo.activeProcessorCount
        report.threads = Parallel.threads
        report.openblasCoretype = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        report.model = config
        report.parameters = try GPT(config: config).parameterCount
        report.matmulParameters = FLOPCount.matmulParameters(config)
        log("bench: sgemm peak (1024³ on \(Parallel.threads) threads)")
        report.peak = PeakGEMM.run(repeats: options.quick ? 3 : 5)
        if options.realModelOnly {
            attempt("smollm2") { try realModel() }
            attempt("smollm2 RL step") { try rlStep() }
            summarise()
            return report
        }
        try policy(config)
        if options.torch { torch(config) } else { report.torch.note = "skipped (--no-torch)" }
        if options.torch && !options.quick {
            attempt("smollm2") { try realModel() }
            attempt("smollm2 RL step") { try rlStep() }
        }
        let base = try BaseCheckpoint.locate(preferred: options.base, scratch: (scratch as NSString).appendingPathComponent("base"), log: log)
        attempt("wire") { try wire(base: base) }
        attempt("cluster") { try cluster(base: base) }
        summarise()
        return report
    }

    /// Runs one part, recording its failure instead of stopping the bench.
    func attempt(_ part: String, _ body: () throws -> Void) {
        do { try body() } catch {
            keepScratch = true
            log("bench: \(part) failed: \(error)")
            report.skipped.append("\(part): \(error) (scratch files kept in \(scratch))")
        }
    }

    private func policy(_ config: GPTConfig) throws {
        let peak = report.peak.peak
        for rows in options.batchSizes {
            log("bench: training \(rows)×\(options.seq) tokens/step, \(options.steps) steps × \(options.repeats) repeats")
            let t = try TrainingBenchmark.run(config: config, batch: rows, seq: min(options.seq, config.contextLength),
                                              steps: options.steps, repeats: options.repeats)
            log("bench: sampling \(rows) rows, 16 prompt + 64 new tokens")
            let s = try SamplingBenchmark.run(config: config, batch: rows, promptLength: 16, newTokens: 64, repeats: options.repeats)
            report.policy.append(.init(rows: rows, training: t, sampling: s, peak: peak))
        }
    }

    private func torch(_ config: GPTConfig) {
        let rows = options.batchSizes.contains(options.torchBatch) ? options.torchBatch : options.batchSizes[0]
        let seq = min(options.seq, config.contextLength)
        report.torch.rows = rows
        report.torch.pairs = options.repeats
        let ref = TorchReference(python: options.python)
        let common = ["--layers", "\(config.layers)", "--heads", "\(config.heads)", "--width", "\(config.width)",
                      "--context", "\(config.contextLength)", "--vocab", "\(config.vocabSize)", "--batch", "\(rows)",
                      "--threads", "\(Parallel.threads)"]
        do {
            log("bench: training, ours and PyTorch (\(ref.script)) alternating, \(options.repeats) pairs")
            let steps = options.steps
            let trainer = try TorchServer(reference: ref, arguments: ["--seq", "\(seq)", "--steps", "\(steps)"] + common)
            report.torch.training = try pairs(trainer) {
                try TrainingBenchmark.run(config: config, batch: rows, seq: seq, steps: steps, repeats: 1).tokensPerSecond.median
            }
            log("bench: sampling, ours and Hugging Face generate alternating, \(options.repeats) pairs")
            let generate = ["--mode", "generate", "--prompt-len", "16", "--new-tokens", "64"] + common
            let generator = try TorchServer(reference: ref, arguments: generate)
            report.torch.sampling = try pairs(generator) {
                try SamplingBenchmark.run(config: config, batch: rows, promptLength: 16, newTokens: 64, repeats: 1).newTokensPerSecond.median
            }
        } catch {
            report.torch.note = "\(error)"
        }
    }

}
