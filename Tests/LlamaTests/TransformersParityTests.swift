import Foundation
import Testing
import Kernels
@testable import Llama

/// Values transformers computed once (scripts/make_llama_fixtures.py) for a 2-layer Llama
/// (bf16, sharded, GQA 4/2, untied) and a 2-layer Qwen2 (f32, q/k/v biases, GQA 4/1, tied).
struct TransformersFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let ids: [Int32]
        let logprobs: [Double?]
        let top: [Top]
    }
    struct Top: Decodable {
        let position: Int
        let next: [[Double]]
    }
    struct Model: Decodable {
        let cases: [Case]
        let logits_first_rows: [[Double]]
    }
    let models: [String: Model]

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/llama").standardizedFileURL

    static func load() throws -> TransformersFixture {
        try JSONDecoder().decode(TransformersFixture.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
    }
}

@Suite("Llama family against transformers")
struct TransformersParityTests {
    @Test(arguments: ["llama-tiny", "qwen2-tiny"])
    func logprobsMatchTransformers(name: String) throws {
        let fixture = try #require(try TransformersFixture.load().models[name])
        let model = try LlamaCheckpoint.load(from: TransformersFixture.folder.appendingPathComponent(name).path)
        let V = model.config.vocabSize
        for c in fixture.cases {
            try c.ids.withUnsafeBufferPointer { try model.forward($0.baseAddress!, layout: .dense(rows: 1, length: c.ids.count)) }
            var worst = 0.0
            for i in 1..<c.ids.count {
                let row = model.logits + (i - 1) * V
                let lp = Double(row[Int(c.ids[i])] - logSumExp(row, V))
                worst = max(worst, abs(lp - (c.logprobs[i] ?? .nan)))
            }
            #expect(worst < 1e-4, "\(name) \(c.name): worst log-prob gap \(worst)")
            for t in c.top {
                let row = model.logits + t.position * V, lse = logSumExp(row, V)
                for pair in t.next {
                    #expect(abs(Double(row[Int(pair[0])] - lse) - pair[1]) < 1e-4, "\(name) \(c.name) position \(t.position)")
                }
            }
        }
        let first = fixture.cases[0]
        try first.ids.withUnsafeBufferPointer { try model.forward($0.baseAddress!, layout: .dense(rows: 1, length: first.ids.count)) }
        for (p, row) in fixture.logits_first_rows.enumerated() {
            let worst = (0..<V).map { abs(Double(model.logits[p * V + $0]) - row[$0]) }.max() ?? 0
            #expect(worst < 1e-4, "\(name): raw logits of position \(p) off by \(worst)")
        }
    }
}
