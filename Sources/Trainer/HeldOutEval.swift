import Eval
import Tasks
import TinyGPT
import Verifier

/// pass@1, pass@n and maj@n of `policy` on the first `problems` held-out problems, sampled
/// at temperature 1 as every RL report in this project is.
public func evaluateHeldOut(policy: GPT, tokenizer: Tokenizer, task: ArithmeticTask, config: RLConfig,
                            problems: Int, samples: Int, seed: UInt64 = 99) throws -> Evaluator.Report {
    var ev = Evaluator(model: policy, tokenizer: tokenizer)
    ev.verifier = ArithmeticVerifier(config: config.reward)
    var params = config.samplingParams
    params.temperature = 1
    return try ev.run(problems: Array(task.heldOut.prefix(problems)), samples: samples, ks: [1, samples], params: params, seed: seed)
}
