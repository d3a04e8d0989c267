import ArgumentParser
import Foundation
import Kernels
import Pretrain
import Tasks

struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Supervised cold start: train the base policy on worked arithmetic solutions.")

    @Option(help: "Run directory: the checkpoint goes to OUT/checkpoint, the loss log to OUT/pretrain_log.jsonl.")
    var out = "runs/base"
    @Option(help: "Optimisation steps.") var steps: Int?
    @Option(help: "Problems per step.") var batchSize: Int?
    @Option(help: "Peak learning rate.") var lr: Float?
    @Option(help: "Seed for initialisation.") var seed: UInt64?
    @Option(help: "Transformer layers.") var layers: Int?
    @Option(help: "Attention heads.") var heads: Int?
    @Option(help: "Model width.") var width: Int?
    @Option(help: "Smallest operand digit count.") var minDigits: Int?
    @Option(help: "Largest operand digit count.") var maxDigits: Int?
    @Option(help: "Most operands per problem.") var maxOperands: Int?
    @Option(help: "Operators to use, a subset of \"+-*\".") var operators: String?
    @Option(help: "Context length in tokens (prompt + completion).") var context: Int?
    @Option(help: "Train on this JSONL file of {\"prompt\", \"answer\"[, \"completion\"]} problems instead of the generator; the tokenizer's alphabet is built from it. Needs --held-out.")
    var tasks: String?
    @Option(help: "The held-out JSONL problems that go with --tasks (never trained on; RL and eval score them).")
    var heldOut: String?
    @Option(help: "Save a checkpoint every N steps (and at the end).") var saveEvery = 500
    @Flag(help: "Continue from OUT/checkpoint.") var resume = false
    @Flag(help: "Print the final summary as JSON on stdout.") var json = false

    func run() throws {
        let ckpt = (out as NSString).appendingPathComponent("checkpoint")
        let trainer: Pretrainer
        if resume {
            trainer = try Pretrainer(resumeFrom: ckpt)
        } else {
            var c = PretrainConfig()
            if let v = steps { c.steps = v }
            if let v = batchSize { c.batchSize = v }
            if let v = lr { c.learningRate = v }
            if let v = seed { c.seed = v }
            if let v = layers { c.layers = v }
            if let v = heads { c.heads = v }
            if let v = width { c.width = v }
            if let v = minDigits { c.task.minDigits = v }
            if let v = maxDigits { c.task.maxDigits = v }
            if let v = maxOperands { c.task.maxOperands = v }
            if let v = operators { c.task.operators = v }
            if let v = context { c.contextLength = v }
            do {
                let tokenizer = try tokenizer(for: &c)  // names the task files in c
                trainer = try Pretrainer(config: c, tokenizer: tokenizer)
            } catch { throw ValidationError("\(error)") }
        }
        if let files = trainer.task as? FileTask {
            log("pretrain: \(files.trainCount) training problems from \(files.files.train)" + (files.overlapDropped > 0 ? " (\(files.overlapDropped) also held out, left out)" : "")
                + ", \(files.heldOut.count) held out; alphabet of \(trainer.tokenizer.alphabet.count) characters")
        }
        let summary = try supervisedLoop(trainer, out: out, logName: "pretrain_log.jsonl", append: resume, saveEvery: saveEvery, label: "pretrain")
        if json { try printJSON(summary) } else {
            print("pretrained \(summary.parameters) parameters for \(summary.steps) steps in \(ProgressBar.clock(summary.seconds)); loss \(String(format: "%.3f", summary.finalLoss))")
            print("checkpoint: \(summary.checkpoint)\nloss log:   \(summary.log)")
        }
    }
}

extension PretrainCommand {
    func validate() throws {
        if (tasks == nil) != (heldOut == nil) { throw ValidationError("--tasks and --held-out go together: the problems to train on and the split to score") }
        if tasks != nil, minDigits != nil || maxDigits != nil || maxOperands != nil || operators != nil {
            throw ValidationError("--min-digits, --max-digits, --max-operands and --operators shape the built-in generator; they do nothing with --tasks")
        }
    }

    /// The standard tokenizer, or with --tasks one whose alphabet covers the files (which
    /// `c` then names).
    private func tokenizer(for c: inout PretrainConfig) throws -> Tokenizer {
        guard let tasks, let heldOut else { return .standard }
        let files = TaskFiles(train: tasks, heldOut: heldOut)
        c.taskFiles = files
        return try Tokenizer(alphabet: Tokenizer.alphabet(covering: try FileTask(files: files).texts))
    }
}

/// What a supervised run (pretraining or rejection-sampling fine-tuning) reports.
struct SupervisedSummary: Codable {
    var checkpoint: String
    var log: String
    var steps: Int
    var finalLoss: Float
    var seconds: Double
    var parameters: Int
}

/// Runs `trainer` to its last step with a progress bar, logging to OUT/`logName` and
/// checkpointing to OUT/checkpoint every `saveEvery` steps and at the end.
func supervisedLoop(_ trainer: Pretrainer, out: String, logName: String, append: Bool, saveEvery: Int, label: String) throws -> SupervisedSummary {
    let ckpt = (out as NSString).appendingPathComponent("checkpoint")
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let logPath = (out as NSString).appendingPathComponent(logName)
    if !append { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
    guard let logFile = FileHandle(forWritingAtPath: logPath) else {
        throw ValidationError("cannot write \(logPath): check the directory's permissions")
    }
    logFile.seekToEndOfFile()
    let cfg = trainer.config
    log("\(label): \(trainer.model.parameterCount) parameters, \(cfg.steps) steps × \(cfg.batchSize) problems, sequence \(trainer.sequenceLength) tokens")
    let bar = ProgressBar(total: cfg.steps, label: label)
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    var last: Pretrainer.LogLine?
    var smoothed: Float?
    while trainer.step < cfg.steps {
        let line = try trainer.trainStep()
        last = line
        smoothed = smoothed.map { 0.9 * $0 + 0.1 * line.loss } ?? line.loss
        if line.step % cfg.logEvery == 0 || line.step == cfg.steps {
            logFile.write(try enc.encode(line) + Data("\n".utf8))
        }
        bar.update(line.step, String(format: "loss %.3f lr %.1e %.0f tok/s", smoothed!, line.lr, line.tokensPerSecond))
        if line.step % saveEvery == 0 && line.step < cfg.steps { try trainer.save(to: ckpt) }
    }
    try trainer.save(to: ckpt)
    logFile.closeFile()
    return SupervisedSummary(checkpoint: ckpt, log: logPath, steps: trainer.step, finalLoss: smoothed ?? 0,
                             seconds: last?.elapsedSeconds ?? 0, parameters: trainer.model.parameterCount)
}
