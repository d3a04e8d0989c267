import ArgumentParser
import Foundation
import Kernels
import Sampler
import Tasks

struct SamplingOptions: ParsableArguments {
    @Option(help: "Sampling temperature (> 0).") var temperature: Float = 1
    @Option(help: "Keep only the k most likely tokens (0 = all).") var topK = 0
    @Option(help: "Nucleus sampling mass (1 = all).") var topP: Float = 1
    @Option(help: "Most new tokens per completion.") var maxNewTokens = 96
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Budget forcing (s1): end the thinking after B tokens and force </think><answer>.") var thinkBudget: Int?

    var params: SamplingParams { params(thinkBudget: thinkBudget) }

    func params(thinkBudget budget: Int?) -> SamplingParams {
        var p = SamplingParams(temperature: temperature, topK: topK, topP: topP, maxNewTokens: maxNewTokens,
                               stopTokens: [Tokenizer.eos, Tokenizer.answerClose])
        p.forcing = budget.map { BudgetForcing(budget: $0, open: Tokenizer.thinkOpen, close: Tokenizer.thinkClose,
                                               force: [Tokenizer.thinkClose, Tokenizer.answerOpen]) }
        return p
    }
}

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sample", abstract: "Print completions of a prompt.")

    @Option(help: "Checkpoint (or run) directory.") var checkpoint: String
    @Option(help: "Prompt text, e.g. \"47+85=\".") var prompt: String
    @Option(name: .shortAndLong, help: "Number of completions.") var n = 4
    @OptionGroup var sampling: SamplingOptions
    @Flag(help: "Print JSON (tokens, behaviour log-probs, text).") var json = false

    struct Output: Codable {
        var prompt: String
        var text: String
        var tokens: [Int32]
        var logprobs: [Float]
        var stopped: Bool
    }

    func run() throws {
        let (model, tokenizer) = try loadPolicy(checkpoint)
        guard n >= 1 else { throw ValidationError("-n must be at least 1") }
        var rng = Xoshiro256(seed: sampling.seed)
        let ids = [Tokenizer.bos] + tokenizer.encode(prompt)
        let groups = try Sampler(model: model).generate(prompts: [ids], samplesPerPrompt: n, params: sampling.params, rng: &rng)
        let outs = groups[0].map {
            Output(prompt: prompt, text: tokenizer.decode($0.tokens), tokens: $0.tokens, logprobs: $0.logprobs, stopped: $0.stopped)
        }
        if json { try printJSON(outs) } else {
            for (i, o) in outs.enumerated() {
                print("[\(i)] \(prompt)\(o.text)  (log p = \(String(format: "%.2f", o.logprobs.reduce(0, +))))")
            }
        }
    }
}
