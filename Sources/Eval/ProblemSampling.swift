import Kernels
import Sampler
import Tasks

/// The loop `Evaluator` and `RejectionSampler` share: `n` completions of every problem, in
/// order, `batchProblems` prompts (as `codec` writes them) per sampler call, one seeded stream.
/// `body` sees each problem with its completions' tokens; `progress` the problems done
/// after each batch.
func sampleEachProblem(_ problems: [Problem], samples n: Int, sampler: Sampler, codec: any PromptCodec, params: SamplingParams,
                       seed: UInt64, batchProblems: Int, progress: ((Int, Int) -> Void)?,
                       body: (Problem, [[Int32]]) throws -> Void) throws {
    var rng = Xoshiro256(seed: seed)
    for chunk in stride(from: 0, to: problems.count, by: batchProblems) {
        let batch = Array(problems[chunk..<min(problems.count, chunk + batchProblems)])
        let prompts = batch.map { codec.promptIds($0.prompt) }
        let groups = try sampler.generate(prompts: prompts, samplesPerPrompt: n, params: params, rng: &rng)
        for (problem, group) in zip(batch, groups) { try body(problem, group.map(\.tokens)) }
        progress?(chunk + batch.count, problems.count)
    }
}
