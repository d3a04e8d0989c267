import Kernels
import Sampler
import Tasks
import TinyGPT

/// The loop `Evaluator` and `RejectionSampler` share: `n` completions of every problem, in
/// order, `batchProblems` prompts (BOS + prompt) per sampler call, one seeded stream.
/// `body` sees each problem with its completions' tokens; `progress` the problems done
/// after each batch.
func sampleEachProblem(_ problems: [Problem], samples n: Int, model: GPT, tokenizer: Tokenizer, params: SamplingParams,
                       seed: UInt64, batchProblems: Int, progress: ((Int, Int) -> Void)?,
                       body: (Problem, [[Int32]]) throws -> Void) throws {
    var rng = Xoshiro256(seed: seed)
    let sampler = Sampler(model: model)
    for chunk in stride(from: 0, to: problems.count, by: batchProblems) {
        let batch = Array(problems[chunk..<min(problems.count, chunk + batchProblems)])
        let prompts = batch.map { [Tokenizer.bos] + tokenizer.encode($0.prompt) }
        let groups = try sampler.generate(prompts: prompts, samplesPerPrompt: n, params: params, rng: &rng)
        for (problem, group) in zip(batch, groups) { try body(problem, group.map(\.tokens)) }
        progress?(chunk + batch.count, problems.count)
    }
}
