import Foundation
import Kernels
import Sampler
import Tasks
import TinyGPT
import Verifier
import Wire

/// Real trajectory groups: training prompts sampled by a policy exactly as an actor does
/// (batches of `batch` prompts × `groupSize` completions, RL sampling settings), with the
/// time each took. Also times the verifier on them.
public struct TrajectorySample {
    public var groups: [TrajectoryGroup]
    /// The problems (prompt text and ground-truth answer), parallel to `groups`.
    public var problems: [Problem]
    /// Sampling seconds per group, one entry per sampled batch.
    public var samplingSecondsPerGroup: Stats
    /// Sampled completion tokens per second, one entry per batch.
    public var sampledTokensPerSecond: Stats

    /// Samples `batches` batches with `threads` sampler threads (actors use 1 by default).
    public static func make(model: GPT, tokenizer: Tokenizer, task: any ProblemSet, params: SamplingParams,
                            batches: Int, batch: Int, groupSize: Int, threads: Int) throws -> TrajectorySample {
        guard batches >= 1, batch >= 1, groupSize >= 1, threads >= 1 else {
            throw BenchError.invalid("trajectory sampling needs batches, batch, group size and threads ≥ 1")
        }
        return try Parallel.with(threads: threads) {
            try sample(model: model, tokenizer: tokenizer, task: task, params: params, batches: batches, batch: batch, groupSize: groupSize)
        }
    }

    private static func sample(model: GPT, tokenizer: Tokenizer, task: any ProblemSet, params: SamplingParams,
                               batches: Int, batch: Int, groupSize: Int) throws -> TrajectorySample {
        let sampler = Sampler(model: model)
        var rng = Xoshiro256(seed: 11)
        var out = TrajectorySample(groups: [], problems: [], samplingSecondsPerGroup: Stats([]), sampledTokensPerSecond: Stats([]))
        var perGroup: [Double] = [], tokenRates: [Double] = []
        var cursor = 20_000_000  // past pretraining's problems, like RL
        for b in 0...batches {  // batch 0 warms the sampler up and is not timed
            let problems = (0..<batch).map { _ -> Problem in defer { cursor += 1 }; return task.trainProblem(at: cursor) }
            let prompts = problems.map { [Tokenizer.bos] + tokenizer.encode($0.prompt) }
            let start = DispatchTime.now().uptimeNanoseconds
            let groups = try sampler.generate(prompts: prompts, samplesPerPrompt: groupSize, params: params, rng: &rng)
            let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            guard b > 0 else { continue }
            perGroup.append(secs / Double(batch))
            tokenRates.append(Double(groups.joined().reduce(0) { $0 + $1.tokens.count }) / secs)
            for ((p, ids), g) in zip(zip(problems, prompts), groups) {
                out.groups.append(TrajectoryGroup(
                    workerId: "bench-actor", groupId: UInt64(out.groups.count), promptIndex: UInt64(p.id), policyVersion: 0,
                    prompt: ids, rollouts: g,
                    sampleSeconds: Float(secs / Double(batch))))
                out.problems.append(p)
            }
        }
        out.samplingSecondsPerGroup = Stats(perGroup)
        out.sampledTokensPerSecond = Stats(tokenRates)
        return out
    }

    /// Seconds per group to detokenise and score every completion with the arithmetic verifier, per repetition.
    public func verifySecondsPerGroup(tokenizer: Tokenizer, reward: RewardConfig, repeats: Int) -> Stats {
        guard !groups.isEmpty else { return Stats([]) }
        let verifier = RunVerifier.builtIn(reward)
        var runs: [Double] = []
        var sink = 0.0
        for _ in 0..<max(repeats, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            for (g, p) in zip(groups, problems) {
                for r in g.rollouts { sink += Double(verifier.score(prompt: p.prompt, completion: tokenizer.decode(r.tokens), answer: p.answer).reward) }
            }
            runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(groups.count))
        }
        _ = sink
        return Stats(runs)
    }
}
