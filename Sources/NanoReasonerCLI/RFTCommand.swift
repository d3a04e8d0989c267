import ArgumentParser
import Cluster
import Eval
import Foundation
import Pretrain
import Tasks
import TinyGPT

/// DeepSeek-R1's third stage: the RL model's accepted answers become a new SFT set for a base.
struct RFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rft",
        abstract: "Rejection-sampling fine-tuning: sample a policy on training prompts, keep what the verifier accepts, fine-tune a base on it.")

    @Option(help: "The policy to sample (an RL run or checkpoint).") var from: String
    @Option(name: .shortAndLong, help: "Samples per training prompt.") var samples = 8
    @Option(help: "Training prompts to sample.") var prompts = 2000
    @Option(help: "Most distinct accepted completions kept per prompt.") var perPrompt = 2
    @Option(help: "The base to fine-tune (its shape and task config are kept).") var base = "runs/base"
    @Option(help: "Run directory: OUT/checkpoint, OUT/rft_log.jsonl, OUT/rft_data.jsonl.") var out = "runs/rft"
    @Option(help: "Fine-tuning steps.") var steps = 300
    @Option(help: "Peak learning rate of the fine-tuning.") var lr: Float = 1e-3
    @Option(help: "Problems per fine-tuning step.") var batchSize = 32
    @OptionGroup var sampling: SamplingOptions
    @Flag(help: "Print the summary as JSON on stdout.") var json = false

    func validate() throws {
        guard samples >= 1, prompts >= 1, perPrompt >= 1 else { throw ValidationError("--samples, --prompts and --per-prompt must be at least 1") }
        guard steps >= 1, batchSize >= 1 else { throw ValidationError("--steps and --batch-size must be at least 1") }
    }

    func run() throws {
        let (policy, tokenizer) = try loadPolicy(from)
        guard var config = try pretrainConfig(of: base) else {
            throw ValidationError("\(PolicyFiles.stateFile(base)) is missing: --base must be a checkpoint `nanoreasoner pretrain` wrote")
        }
        let (baseModel, baseTokenizer) = try loadPolicy(base)
        guard baseTokenizer == tokenizer else { throw ValidationError("--from and --base use different tokenizers; RFT needs one") }
        var kept = try collect(policy, tokenizer, task: try config.problemSet())
        // BOS + prompt + completion + EOS must fit the base's context; longer ones are left out, and said.
        let fitting = kept.kept.filter { tokenizer.encode($0.prompt).count + tokenizer.encode($0.completion ?? "").count + 2 <= config.contextLength + 1 }
        if fitting.count < kept.kept.count {
            log("rft: \(kept.kept.count - fitting.count) accepted completions are longer than the base's context (\(config.contextLength)) and are left out")
            guard !fitting.isEmpty else { throw ValidationError("every accepted completion is longer than the base's context") }
            kept.kept = fitting
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let dataPath = (out as NSString).appendingPathComponent("rft_data.jsonl")
        try writeData(kept.kept, to: dataPath)
        config.steps = steps
        config.learningRate = lr
        config.batchSize = batchSize
        config.warmupSteps = min(20, steps / 10)
        let trainer: Pretrainer
        do { trainer = try Pretrainer(config: config, tokenizer: tokenizer, dataset: kept.kept, initial: baseModel) } catch {
            throw ValidationError("\(error)")
        }
        let sft = try supervisedLoop(trainer, out: out, logName: "rft_log.jsonl", append: false, saveEvery: steps, label: "rft")
        let summary = Summary(from: from, base: base, prompts: kept.prompts, sampled: kept.sampled, accepted: kept.accepted,
                              kept: kept.kept.count, promptsCovered: kept.promptsCovered, data: dataPath, fineTuning: sft)
        if json { try printJSON(summary) } else {
            print(String(format: "rft: %d prompts × %d samples, %d accepted (%.1f%%), %d kept from %d prompts",
                         kept.prompts, samples, kept.accepted, 100 * Double(kept.accepted) / Double(max(kept.sampled, 1)),
                         kept.kept.count, kept.promptsCovered))
            print("fine-tuned \(base) for \(sft.steps) steps in \(ProgressBar.clock(sft.seconds)); loss \(String(format: "%.3f", sft.finalLoss))")
            print("checkpoint: \(sft.checkpoint)\ndata:       \(dataPath)")
            print("next: nanoreasoner eval --checkpoint \(out) --compare \(from)")
        }
    }

    /// Training prompts from index 0, as RL drew them.
    private func collect(_ policy: GPT, _ tokenizer: Tokenizer, task: any ProblemSet) throws -> RejectionSampler.Result {
        let problems = (0..<prompts).map { task.trainProblem(at: $0) }
        let bar = ProgressBar(total: problems.count, label: "sample")
        let result = try RejectionSampler(model: policy, tokenizer: tokenizer)
            .run(problems: problems, samples: samples, perPrompt: perPrompt, params: sampling.params, seed: sampling.seed) { done, _ in
                bar.update(done, "")
            }
        guard !result.kept.isEmpty else {
            throw ValidationError("the verifier accepted none of \(result.sampled) completions of \(from): RFT needs a policy that solves some prompts")
        }
        return result
    }

    /// The kept set as task JSONL ({"prompt", "answer", "completion"}), readable by `eval --tasks`.
    private func writeData(_ problems: [Problem], to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        var data = Data()
        for p in problems {
            data += try enc.encode(["prompt": p.prompt, "answer": p.answer, "completion": p.completion ?? ""]) + Data("\n".utf8)
        }
        do { try data.write(to: URL(fileURLWithPath: path)) } catch { throw ValidationError("cannot write \(path): \(error.localizedDescription)") }
    }

    struct Summary: Codable {
        var from: String, base: String
        var prompts: Int, sampled: Int, accepted: Int, kept: Int, promptsCovered: Int
        var data: String
        var fineTuning: SupervisedSummary
    }
}
