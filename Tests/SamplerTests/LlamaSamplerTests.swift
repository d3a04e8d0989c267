import Foundation
import Kernels
import Llama
import Testing
@testable import Sampler

private struct GreedyFixture: Decodable {
    struct Run: Decodable {
        let prompt_ids: [Int32]
        let new_ids: [Int32]
    }
    struct Greedy: Decodable { let runs: [Run] }
    struct Model: Decodable { let greedy: Greedy }
    let models: [String: Model]
}

/// What transformers' greedy generate gives: the KV-cache sampler with grouped-query heads
/// and rotary positions (prefill, then one token per step) picks the same tokens.
@Suite("Sampler on the Llama family")
struct LlamaSamplerTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/llama").standardizedFileURL

    @Test(arguments: ["llama-tiny", "qwen2-tiny"])
    func greedySamplingMatchesTransformers(name: String) throws {
        let folder = Self.folder
        let fixture = try JSONDecoder().decode(GreedyFixture.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        let runs = try #require(fixture.models[name]).greedy.runs
        let model = try LlamaCheckpoint.load(from: folder.appendingPathComponent(name).path)
        var rng = Xoshiro256(seed: 1)
        let params = SamplingParams(temperature: 1, topK: 1, maxNewTokens: 12, stopTokens: [])
        // All prompts in one batch, two rows each: the rows share their prompt's cache.
        let groups = try Sampler(model: model).generate(prompts: runs.map(\.prompt_ids), samplesPerPrompt: 2, params: params, rng: &rng)
        for (run, group) in zip(runs, groups) {
            for row in group { #expect(row.tokens == run.new_ids, "\(name): greedy continuation of \(run.prompt_ids)") }
        }
    }

    /// With LoRA adapters, the sampler's threads each keep the adapters' intermediate in
    /// rows of their own (a shared buffer let one thread read another's rows): two threads
    /// sample what one does, and the log-probs they report are the model's own.
    @Test func loraSamplingOnTwoThreadsIsWhatOneThreadSamples() throws {
        // Wide enough that the two threads' pieces run side by side (a race needs the overlap).
        let model = try Llama(config: LlamaConfig(family: .llama, vocabSize: 256, contextLength: 64, layers: 2, width: 256, heads: 4,
                                                  kvHeads: 2, intermediate: 512, rmsEps: 1e-5, ropeTheta: 10_000, tiedHead: true, qkvBias: false))
        var init_ = Xoshiro256(seed: 9)
        for i in 0..<model.params.count { model.params.pointer[i] = 0.1 * (2 * init_.uniform() - 1) }
        try model.attachLoRA(LoRAConfig(rank: 8, alpha: 16), seed: 3)
        for i in 0..<model.trainable.count { model.trainable.pointer[i] = 0.05 * (2 * init_.uniform() - 1) }  // B ≠ 0: the adapters count
        var prompts: [[Int32]] = []
        for p in 0..<8 {
            let length = 5 + p
            prompts.append((0..<length).map { i -> Int32 in Int32((i * 37 + p * 11) % 250 + 3) })
        }
        let params = SamplingParams(temperature: 1, topK: 0, maxNewTokens: 10, stopTokens: [])
        let sampled = try [1, 2].map { threads in
            var rng = Xoshiro256(seed: 4)
            return try Parallel.with(threads: threads) {
                try Sampler(model: model).generate(prompts: prompts, samplesPerPrompt: 8, params: params, rng: &rng).flatMap { $0 }
            }
        }
        #expect(sampled[0].map(\.tokens) == sampled[1].map(\.tokens))
        let apart = zip(sampled[0], sampled[1]).map { zip($0.logprobs, $1.logprobs).map { abs($0 - $1) }.max() ?? 0 }.max()!
        #expect(apart < 1e-4, "one thread and two report log-probs up to \(apart) apart")
        // And they are the model's, teacher-forced.
        let rows = prompts.flatMap { p in Array(repeating: p, count: 8) }
        let forced = try model.completionLogprobs(prompts: rows, completions: sampled[1].map(\.tokens), temperature: 1)
        let worst = zip(sampled[1], forced).map { zip($0.logprobs, $1).map { abs($0 - $1) }.max() ?? 0 }.max()!
        #expect(worst < 5e-3, "the sampled log-probs differ from the model's by up to \(worst)")
    }
}
