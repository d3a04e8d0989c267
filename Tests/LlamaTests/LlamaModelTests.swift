import Foundation
import Testing
import Kernels
import ModelFiles
@testable import Llama

/// A Llama small enough for finite differences: grouped-query heads, q/k/v biases, untied head.
func tinyLlama(family: LlamaConfig.Family = .qwen2, tied: Bool = false, seed: UInt64 = 1) throws -> Llama {
    let c = LlamaConfig(family: family, vocabSize: 11, contextLength: 16, layers: 2, width: 8, heads: 2, kvHeads: 1,
                        intermediate: 6, rmsEps: 1e-5, ropeTheta: 100, tiedHead: tied, qkvBias: family == .qwen2)
    let m = try Llama(config: c)
    m.initialize(seed: seed, std: 0.5)
    return m
}

/// Σ logits·w over every position, w fixed: a loss whose d/dlogits is w.
func weightedLogits(_ m: Llama, _ tokens: [Int32], _ layout: AttentionLayout, _ w: [Float]) throws -> Double {
    try tokens.withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: layout) }
    var s = 0.0
    for i in 0..<w.count { s += Double(m.logits[i]) * Double(w[i]) }
    return s
}

/// The worst relative error of `analytic` against central differences of `loss` in each of
/// `buffer`'s floats (step 1e-2; errors relative to max(0.05, |numeric|)).
func worstGradientError(_ buffer: FloatBuffer, analytic: [Float], loss: () throws -> Double) rethrows -> Double {
    var worst = 0.0
    let p = buffer.pointer
    for i in 0..<buffer.count {
        let old = p[i], h: Float = 1e-2
        p[i] = old + h
        let up = try loss()
        p[i] = old - h
        let down = try loss()
        p[i] = old
        let num = (up - down) / Double(2 * h)
        worst = max(worst, abs(num - Double(analytic[i])) / max(0.05, abs(num)))
    }
    return worst
}

@Suite("Llama model")
struct LlamaModelTests {
    /// Every parameter of both families (tied and untied heads, with and without biases) on a
    /// packed layout: a prompt with two branches whose positions continue after it.
    @Test(arguments: [(LlamaConfig.Family.qwen2, false), (.llama, true)])
    func wholeModelGradientMatchesFiniteDifferences(family: LlamaConfig.Family, tied: Bool) throws {
        let m = try tinyLlama(family: family, tied: tied)
        let layout = AttentionLayout(spans: [(prefix: 3, branches: [2, 3]), (prefix: 2, branches: [])])
        var rng = Xoshiro256(seed: 5)
        let tokens = (0..<layout.positions).map { _ in Int32(rng.next() % 11) }
        let w = (0..<(layout.positions * 11)).map { _ in rng.normal() }
        _ = try weightedLogits(m, tokens, layout, w)
        m.zeroGrad()
        m.dlogits.update(from: w, count: w.count)
        m.backward()
        let worst = try worstGradientError(m.params, analytic: m.grads.array) { try weightedLogits(m, tokens, layout, w) }
        let checked = m.parameterCount
        #expect(checked == m.parameterCount && checked > 500)
        #expect(worst < 0.05, "worst relative gradient error \(worst) over \(checked) parameters")
    }

    /// A branch's logits are those of its row alone: its positions continue after the prefix.
    @Test func packedBranchesGiveTheirOwnRowsLogits() throws {
        let m = try tinyLlama()
        let prefix: [Int32] = [1, 4, 2], a: [Int32] = [7, 3], b: [Int32] = [9, 9, 0]
        let packed = AttentionLayout(spans: [(prefix: 3, branches: [2, 3])])
        try (prefix + a + b).withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: packed) }
        let V = 11, all = Array(UnsafeBufferPointer(start: m.logits, count: 8 * V))
        for (row, start) in [(prefix + a, 3), (prefix + b, 5)] {
            try row.withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: .dense(rows: 1, length: row.count)) }
            let alone = Array(UnsafeBufferPointer(start: m.logits, count: row.count * V))
            let mine = Array(all[0..<(3 * V)] + all[(start * V)..<((start + row.count - 3) * V)])
            #expect(zip(alone, mine).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test func badInputIsAnErrorNotACrash() throws {
        let m = try tinyLlama()
        #expect(throws: LlamaError.self) { try [Int32(11)].withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: .dense(rows: 1, length: 1)) } }
        let long = [Int32](repeating: 1, count: 17)
        #expect(throws: LlamaError.self) { try long.withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: .dense(rows: 1, length: 17)) } }
        var c = m.config
        c.kvHeads = 3
        #expect(throws: LlamaError.self) { try Llama(config: c) }
    }

    /// What we save loads back bit for bit, under Hugging Face's names and shapes.
    @Test(arguments: [false, true])
    func checkpointRoundTrip(tied: Bool) throws {
        let m = try tinyLlama(tied: tied, seed: 9)
        let dir = NSTemporaryDirectory() + "llama-rt-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try LlamaCheckpoint.save(m, to: dir)
        let back = try LlamaCheckpoint.load(from: dir)
        #expect(back.config == m.config)
        #expect(back.params.array == m.params.array)
        let names = try SafetensorsFolder(directory: dir).names
        #expect(names.contains("model.layers.1.self_attn.k_proj.bias"))
        #expect(names.contains("lm_head.weight") == !tied)
    }

    @Test func configsWeDoNotImplementAreClearErrors() throws {
        func message(_ json: String) -> String {
            do { _ = try LlamaConfig(configJSON: Data(json.utf8), path: "x/config.json"); return "" } catch { return "\(error)" }
        }
        let base = #""model_type": "llama", "vocab_size": 10, "max_position_embeddings": 8, "num_hidden_layers": 1, "hidden_size": 8, "num_attention_heads": 2, "intermediate_size": 4"#
        #expect(message("{\(base)}").isEmpty)
        #expect(message(#"{\#(base), "rope_scaling": {"type": "linear", "factor": 2.0}}"#).contains("rope_scaling"))
        #expect(message(#"{\#(base), "hidden_act": "gelu"}"#).contains("hidden_act"))
        #expect(message(#"{\#(base), "num_key_value_heads": 3}"#).contains("num_key_value_heads"))
        #expect(message(#"{"model_type": "mistral"}"#).contains("model_type is mistral"))
    }
}
