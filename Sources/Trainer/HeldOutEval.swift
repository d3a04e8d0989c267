import Eval
import Tasks
import TinyGPT
import Verifier

/// pass@1, pass@k and maj@k (k = `config.evalSamples`) of `policy` on the first `problems`
/// held-out problems, from `samples` ≥ k completions each (more samples, less variance),
/// sampled at temperature 1 as every RL report in this project is.
public func evaluateHeldOut(policy: GPT, tokenizer: Tokenizer, task: any ProblemSet, config: RLConfig,
                            problems: Int, samples: Int, seed: UInt64 = 99) throws -> Evaluator.Report {
    var ev = Evaluator(model: policy, tokenizer: tokenizer)
    ev.verifier = ArithmeticVerifier(config: config.reward)
    var params = config.samplingParams
    params.temperature = 1
    return try ev.run(problems: Array(task.heldOut.prefix(problems)), samples: samples, ks: [1, config.evalSamples], params: params, seed: seed)
}
