import Foundation
import Testing
import Kernels
import ModelFiles
@testable import Llama

@Suite("LoRA")
struct LoRATests {
    /// A tiny model with adapters on every projection, B made non-zero so that A's gradient is too.
    func adapted(targets: [LoRATarget] = LoRATarget.allCases) throws -> Llama {
        let m = try tinyLlama(seed: 3)
        try m.attachLoRA(LoRAConfig(rank: 2, alpha: 3, targets: targets), seed: 4)
        var rng = Xoshiro256(seed: 6)
        let p = try #require(m.lora).params
        for i in 0..<p.count where p.pointer[i] == 0 { p.pointer[i] = 0.3 * rng.normal() }
        return m
    }

    /// The adapters' gradients (the only ones a LoRA model computes) against finite differences,
    /// through both fused projections (q, k, v into qkv's columns; gate, up into gate|up's).
    @Test func adapterGradientsMatchFiniteDifferences() throws {
        let m = try adapted()
        let layout = AttentionLayout(spans: [(prefix: 3, branches: [2, 3])])
        var rng = Xoshiro256(seed: 5)
        let tokens = (0..<layout.positions).map { _ in Int32(rng.next() % 11) }
        let w = (0..<(layout.positions * 11)).map { _ in rng.normal() }
        _ = try weightedLogits(m, tokens, layout, w)
        m.zeroGrad()
        m.dlogits.update(from: w, count: w.count)
        m.backward()
        let lora = try #require(m.lora)
        let analytic = lora.grads.array
        #expect(m.trainable === lora.params && m.trainableGrads === lora.grads)
        let worst = try worstGradientError(lora.params, analytic: analytic) { try weightedLogits(m, tokens, layout, w) }
        #expect(lora.params.count == 2 * (2 * (8 + 8) + 2 * 2 * (8 + 4) + 2 * (8 + 8) + 2 * 2 * (8 + 6) + 2 * (6 + 8)))
        #expect(worst < 0.05, "worst relative gradient error \(worst) over \(lora.params.count) adapter parameters")
    }

    /// Fresh adapters change nothing (B = 0); trained ones, merged into the weights and saved,
    /// give a plain checkpoint whose logits are the adapted model's.
    @Test(arguments: [LoRATarget.allCases, [.v, .up]])
    func mergedCheckpointComputesTheAdaptedForward(targets: [LoRATarget]) throws {
        let base = try tinyLlama(seed: 3), fresh = try tinyLlama(seed: 3)
        try fresh.attachLoRA(LoRAConfig(rank: 2, alpha: 3, targets: targets), seed: 4)
        let tokens: [Int32] = [1, 5, 2, 9, 3, 3, 7]
        let layout = AttentionLayout.dense(rows: 1, length: tokens.count)
        func logits(_ m: Llama) throws -> [Float] {
            try tokens.withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: layout) }
            return Array(UnsafeBufferPointer(start: m.logits, count: tokens.count * 11))
        }
        #expect(try logits(fresh) == logits(base))
        let m = try adapted(targets: targets)
        let adaptedLogits = try logits(m)
        #expect(zip(adaptedLogits, try logits(base)).contains { abs($0 - $1) > 1e-2 }, "the adapters must move the logits")
        let dir = NSTemporaryDirectory() + "lora-merge-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try LlamaCheckpoint.save(m, to: dir)
        let merged = try LlamaCheckpoint.load(from: dir)
        #expect(merged.lora == nil)
        let worst = zip(try logits(merged), adaptedLogits).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-4, "merged logits differ from the adapted forward by \(worst)")
        // The adapters saved beside the merged weights go back onto the base exactly (a resumed run).
        let resumed = try tinyLlama(seed: 3)
        try resumed.attachLoRA(LoRAConfig(rank: 2, alpha: 3, targets: targets), seed: 99)
        try LlamaCheckpoint.loadAdapters(into: resumed, from: dir)
        #expect(try #require(resumed.lora).params.array == m.lora!.params.array)
        let wrongRank = try tinyLlama(seed: 3)
        try wrongRank.attachLoRA(LoRAConfig(rank: 3, alpha: 3, targets: targets))
        #expect(throws: ModelFileError.self) { try LlamaCheckpoint.loadAdapters(into: wrongRank, from: dir) }
    }

    /// The base stays frozen: a backward pass leaves its weights without gradients (none are
    /// even allocated), and an AdamW step moves the adapters only.
    @Test func theBaseIsFrozen() throws {
        let m = try adapted()
        let before = m.params.array
        let tokens: [Int32] = [1, 5, 2, 9]
        try tokens.withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: .dense(rows: 1, length: 4)) }
        m.zeroGrad()
        for i in 0..<(4 * 11) { m.dlogits[i] = Float(i % 3) - 1 }
        m.backward()
        let opt = AdamW(model: m)
        #expect(opt.m.count == m.lora!.params.count)
        let adaptersBefore = m.lora!.params.array
        opt.update(params: m.trainable, grads: m.trainableGrads, lr: 1e-2)
        #expect(m.params.array == before)
        #expect(m.lora!.params.array != adaptersBefore)
    }

    @Test func badSettingsAreClearErrors() throws {
        let m = try tinyLlama()
        #expect(throws: LlamaError.self) { try m.attachLoRA(LoRAConfig(rank: 0, alpha: 1)) }
        #expect(throws: LlamaError.self) { try m.attachLoRA(LoRAConfig(rank: 2, alpha: 1, targets: [.q, .q])) }
        try m.attachLoRA(LoRAConfig(rank: 2, alpha: 1))
        #expect(throws: LlamaError.self) { try m.attachLoRA(LoRAConfig(rank: 2, alpha: 1)) }
    }
}
