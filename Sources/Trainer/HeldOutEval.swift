import Eval
import Kernels
import Sampler
import Tasks
import Verifier

/// pass@1, pass@k and maj@k (k = `config.evalSamples`) of `policy` on the first `problems`
/// held-out problems, from `samples` ≥ k completions each (more samples, less variance),
/// sampled at temperature 1 as every RL report in this project is, and scored by `verify`,
/// the verifier the run trains with.
public func evaluateHeldOut(policy: any CausalLM, codec: any PromptCodec, task: any ProblemSet, config: RLConfig,
                            verify: @escaping (Problem, String) -> Score, problems: Int, samples: Int,
                            seed: UInt64 = 99) throws -> Evaluator.Report {
    var ev = Evaluator(sampler: Sampler(model: policy), codec: codec)
    ev.verify = verify
    var params = config.samplingParams(stops: codec.stopIds)
    params.temperature = 1
    return try ev.run(problems: Array(task.heldOut.prefix(problems)), samples: samples, ks: [1, config.evalSamples], params: params, seed: seed)
}
