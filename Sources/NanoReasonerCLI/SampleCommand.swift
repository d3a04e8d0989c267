import ArgumentParser
import Foundation
import Kernels
import Policy
import Sampler
import Tasks

struct SamplingOptions: ParsableArguments {
    @Option(help: "Sampling temperature (> 0).") var temperature: Float = 1
    @Option(help: "Keep only the k most likely tokens (0 = all).") var topK = 0
    @Option(help: "Nucleus sampling mass (1 = all).") var topP: Float = 1
    @Option(help: "Most new tokens per completion.") var maxNewTokens = 96
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Budget forcing (s1): end the thinking after B tokens and force </think><answer>.") var thinkBudget: Int?

    @Flag(help: "Always take the most likely token (top-k 1): what Hugging Face's greedy generate does.") var greedy = false

    var params: SamplingParams { params(thinkBudget: thinkBudget) }

    /// Our tags' budget forcing applies to our own tokenizer's ids; a chat model stops at its own end-of-turn.
    func params(thinkBudget budget: Int?, stops: [Int32] = [Tokenizer.eos, Tokenizer.answerClose], tags: Bool = true) -> SamplingParams {
        var p = SamplingParams(temperature: temperature, topK: greedy ? 1 : topK, topP: topP, maxNewTokens: maxNewTokens,
                               stopTokens: stops)
        if tags {
            p.forcing = budget.map { BudgetForcing(budget: $0, open: Tokenizer.thinkOpen, close: Tokenizer.thinkClose,
                                                   force: [Tokenizer.thinkClose, Tokenizer.answerOpen]) }
        }
        return p
    }

    /// The parameters for `policy`: its codec's stop ids; budget forcing only with our tokenizer.
    func params(for policy: Policy, thinkBudget budget: Int? = nil) throws -> SamplingParams {
        let ours = policy.codec is Tokenizer
        if budget != nil && !ours { throw ValidationError("--think-budget forces our <think>/<answer> tags; this chat model has none") }
        return params(thinkBudget: budget, stops: policy.codec.stopIds, tags: ours)
    }
}

/// Loads a policy of either family for a command, turning file problems into a usage error.
func loadAnyPolicy(_ path: String, system: String? = nil, instruction: String? = nil) throws -> Policy {
    do { return try Policy.load(path, system: system, instruction: instruction) } catch { throw ValidationError("\(error)") }
}

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sample", abstract: "Print completions of a prompt.")

    @Option(help: "Checkpoint (or run) directory.") var checkpoint: String
    @Option(help: "Prompt text, e.g. \"47+85=\" (a chat model gets it as the user's message in its chat template).") var prompt: String
    @Option(help: "A chat model's system prompt instead of its template's default.") var system: String?
    @Option(name: .shortAndLong, help: "Number of completions.") var n = 4
    @OptionGroup var sampling: SamplingOptions
    @Flag(help: "Print JSON (tokens, behaviour log-probs, text).") var json = false

    struct Output: Codable {
        /// The prompt as the model saw it (a chat model's rendered template).
        var prompt: String
        var text: String
        var tokens: [Int32]
        var logprobs: [Float]
        var stopped: Bool
    }

    func run() throws {
        let policy = try loadAnyPolicy(checkpoint, system: system)
        guard n >= 1 else { throw ValidationError("-n must be at least 1") }
        var rng = Xoshiro256(seed: sampling.seed)
        let ids = policy.codec.promptIds(prompt)
        let params = try sampling.params(for: policy, thinkBudget: sampling.thinkBudget)
        let groups = try Sampler(model: policy.model).generate(prompts: [ids], samplesPerPrompt: n, params: params, rng: &rng)
        let shown = (policy.codec as? ChatCodec)?.render(prompt) ?? prompt
        let outs = groups[0].map {
            Output(prompt: shown, text: policy.codec.text($0.tokens), tokens: $0.tokens, logprobs: $0.logprobs, stopped: $0.stopped)
        }
        if json { try printJSON(outs) } else {
            for (i, o) in outs.enumerated() {
                print("[\(i)] \(shown)\(o.text)  (log p = \(String(format: "%.2f", o.logprobs.reduce(0, +))))")
            }
        }
    }
}
