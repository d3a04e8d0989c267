import Foundation
import Sampler
import Tasks
import TinyGPT
import Verifier

/// DeepSeek-R1's third stage: sample a policy on training prompts and keep only the
/// completions the verifier accepts (right answer, well-formed), as a new SFT set.
public struct RejectionSampler {
    /// What a pass over the prompts kept, and how much it threw away.
    public struct Result: Sendable {
        /// One problem per kept completion: the prompt with `completion` set (no EOS).
        public var kept: [Problem]
        public var prompts: Int
        public var sampled: Int
        /// Accepted completions before dropping duplicates and the per-prompt cap.
        public var accepted: Int
        /// Prompts with at least one kept completion.
        public var promptsCovered: Int
    }

    public let model: GPT
    public let tokenizer: Tokenizer
    public var verifier = RunVerifier.builtIn()
    public var batchProblems = 32

    public init(model: GPT, tokenizer: Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Samples `n` completions per problem and keeps at most `perPrompt` distinct accepted ones.
    public func run(problems: [Problem], samples n: Int, perPrompt: Int, params: SamplingParams, seed: UInt64,
                    progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        var r = Result(kept: [], prompts: problems.count, sampled: 0, accepted: 0, promptsCovered: 0)
        try sampleEachProblem(problems, samples: n, sampler: Sampler(model: model), codec: tokenizer, params: params, seed: seed,
                              batchProblems: batchProblems, progress: progress) { problem, group in
            var seen = Set<String>()
            for tokens in group {
                let text = tokenizer.decode(tokens.filter { $0 != Tokenizer.eos })
                let score = verifier.score(prompt: problem.prompt, completion: text, answer: problem.answer)
                guard score.correct && score.wellFormed else { continue }
                r.accepted += 1
                guard seen.count < perPrompt, seen.insert(text).inserted else { continue }
                var kept = problem
                kept.completion = text
                r.kept.append(kept)
            }
            if !seen.isEmpty { r.promptsCovered += 1 }
            r.sampled += group.count
        }
        return r
    }
}
