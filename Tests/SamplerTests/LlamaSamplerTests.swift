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

}
