import Foundation
import Testing
@testable import Kernels
import ModelFiles
@testable import TinyGPT

private let tiny = GPTConfig(vocabSize: 11, contextLength: 8, layers: 2, heads: 2, width: 8)

private func tinyModel(seed: UInt64 = 1) throws -> GPT {
    let m = try GPT(config: tiny)
    m.initialize(seed: seed)
    // Larger weights than GPT-2's 0.02 so every path carries a visible gradient.
    var rng = Xoshiro256(seed: seed + 100)
    for i in 0..<m.parameterCount { m.params.pointer[i] += 0.3 * rng.normal() }
    return m
}

private func batch(B: Int, T: Int, V: Int, seed: UInt64) -> (tokens: [Int32], targets: [Int32]) {
    var rng = Xoshiro256(seed: seed)
    let tokens = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(V)) }
    var targets = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(V)) }
    targets[1] = -1  // an ignored position
    return (tokens, targets)
}

private func tempDir() -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("tinygpt-test-\(UUID().uuidString)")
    return d.path
}

@Suite("TinyGPT")
struct TinyGPTTests {
    @Test func parameterCountOfDefaultModel() throws {
        let m = try GPT(config: GPTConfig(vocabSize: 303))
        // 4 layers × 12·C² + embeddings: about 0.8 M
        #expect(m.parameterCount > 750_000 && m.parameterCount < 900_000)
    }

    @Test func wholeModelGradientMatchesFiniteDifferences() throws {
        let m = try tinyModel()
        let B = 2, T = 5
        let (tokens, targets) = batch(B: B, T: T, V: tiny.vocabSize, seed: 3)
        m.zeroGrad()
        try m.trainStep(tokens: tokens, targets: targets, B: B, T: T)
        let analytic = m.grads.array
        // Check several entries of every tensor (and every layer's slice).
        var worst = 0.0
        var checked = 0
        for (_, tensor, layer) in m.layout.namedSlices {
            let base = m.layout.offset(tensor, layer: layer)
            let n = m.layout.sliceSizes[tensor.rawValue]
            for k in 0..<min(n, 4) {
                let i = base + (k * 7919) % n
                let p = m.params.pointer
                let old = p[i]
                let h: Float = 1e-2
                p[i] = old + h
                let up = Double(try m.loss(tokens: tokens, targets: targets, B: B, T: T))
                p[i] = old - h
                let down = Double(try m.loss(tokens: tokens, targets: targets, B: B, T: T))
                p[i] = old
                let num = (up - down) / Double(2 * h)
                let err = abs(num - Double(analytic[i])) / max(0.05, abs(num))
                worst = max(worst, err)
                checked += 1
            }
        }
        #expect(checked > 50)
        #expect(worst < 0.05, "worst relative gradient error \(worst)")
    }

    /// Rows that share a prompt, packed (`PackedRows`), give the logits and the gradients of
    /// the same rows padded in a dense batch: the shared prefix's gradient is the rows' sum.
    @Test func packedRowsGiveWhatPaddedRowsGive() throws {
        let prompts: [[Int32]] = [[1, 4, 5], [1, 4, 5], [1, 4, 5], [1, 9]]
        let completions: [[Int32]] = [[3, 7], [2, 6, 8, 10], [], [5, 5, 2]]
        let packed = PackedRows(prompts: prompts, completions: completions, contextLength: tiny.contextLength)
        #expect(packed.layout.spans.map(\.prefix) == [2, 1] && packed.layout.positions == 2 + 6 + 1 + 3)
        let m = try tinyModel()
        m.zeroGrad()
        try packed.tokens.withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: packed.layout) }
        let V = tiny.vocabSize, N = packed.layout.positions
        let packedLogits = Array(UnsafeBufferPointer(start: m.logits, count: N * V))
        _ = packed.targets.withUnsafeBufferPointer { crossentropy_forward_backward(m.dlogits, m.logits, $0.baseAddress!, N: N, V: V) }
        m.backward()
        let packedGrads = m.grads.array

        // The same rows padded to the longest: targets only on completion tokens.
        let T = 6, B = prompts.count
        var tokens = [Int32](repeating: 0, count: B * T), targets = [Int32](repeating: -1, count: B * T)
        for r in 0..<B {
            let full = prompts[r] + completions[r]
            for t in 0..<(full.count - 1) {
                tokens[r * T + t] = full[t]
                if t + 1 >= prompts[r].count { targets[r * T + t] = full[t + 1] }
            }
        }
        m.zeroGrad()
        try tokens.withUnsafeBufferPointer { try m.forward($0.baseAddress!, B: B, T: T) }
        for p in 0..<N where packed.row[p] >= 0 {
            let r = Int(packed.row[p]), t = prompts[r].count - 1 + Int(packed.index[p])
            let dense = (0..<V).map { m.logits[(r * T + t) * V + $0] }
            #expect(zip(dense, packedLogits[(p * V)..<((p + 1) * V)]).allSatisfy { abs($0 - $1) < 1e-5 }, "row \(r), token \(t)")
        }
        _ = targets.withUnsafeBufferPointer { crossentropy_forward_backward(m.dlogits, m.logits, $0.baseAddress!, N: B * T, V: V) }
        m.backward()
        let scale = packedGrads.map(abs).max()!
        let worst = zip(packedGrads, m.grads.array).map { abs($0 - $1) }.max()!
        #expect(scale > 0 && worst < 1e-5 * scale, "largest gradient difference \(worst) of \(scale)")
    }

    @Test func packedScoringGivesEachRowsOwnLogprobs() throws {
        let m = try tinyModel()
        let prompts: [[Int32]] = [[1, 4], [1, 4], [1, 2, 3]], completions: [[Int32]] = [[3, 7, 9], [8], [5, 6, 7, 8, 9, 10, 4]]
        // A batch of 5 positions cuts the rows; the last row runs past the context of 8.
        let scored = try m.completionLogprobs(prompts: prompts, completions: completions, temperature: 1, positions: 5)
        for r in prompts.indices {
            let full = prompts[r] + completions[r]
            let alone = try m.tokenLogprobs(Array(full.prefix(tiny.contextLength + 1)))
            let want = Array(alone.suffix(from: prompts[r].count - 1))
            #expect(scored[r].count == completions[r].count)
            #expect(zip(want, scored[r]).allSatisfy { abs($0 - $1) < 1e-5 }, "row \(r)")
            #expect(scored[r].dropFirst(want.count).allSatisfy { $0 == 0 }, "tokens past the context get 0")
        }
    }

    /// PPO's value path: L = ½·Σ (V − y)², V = head(hidden), back through the head and,
    /// weighted by the trunk weight, through the whole model.
    @Test func valueHeadGradientMatchesFiniteDifferences() throws {
        let m = try tinyModel()
        let B = 2, T = 5, N = B * T, C = tiny.width, trunk: Float = 0.7
        let (tokens, _) = batch(B: B, T: T, V: tiny.vocabSize, seed: 4)
        let head = ValueHead(width: C)
        var rng = Xoshiro256(seed: 9)
        for i in 0...C { head.params.pointer[i] = 0.5 * rng.normal() }
        let y = (0..<N).map { _ in rng.normal() }
        func loss() throws -> Double {
            try m.forward(tokens, B: B, T: T)
            return zip(head.forward(m.hidden, N: N), y).reduce(0) { $0 + 0.5 * Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        }
        m.zeroGrad()
        head.zeroGrad()
        try m.forward(tokens, B: B, T: T)
        let dV = zip(head.forward(m.hidden, N: N), y).map { $0 - $1 }
        let dHidden = head.backward(m.hidden, dValues: dV, trunkWeight: trunk)
        m.dlogits.update(repeating: 0, count: N * tiny.vocabSize)  // the policy loss is not part of this check
        dHidden.withUnsafeBufferPointer { m.backward(hiddenGradient: $0.baseAddress!) }
        func numeric(_ p: UnsafeMutablePointer<Float>) throws -> Double {
            let old = p.pointee, h: Float = 1e-2
            p.pointee = old + h
            let up = try loss()
            p.pointee = old - h
            let down = try loss()
            p.pointee = old
            return (up - down) / Double(2 * h)
        }
        var worst = 0.0
        for i in 0...C {
            let num = try numeric(head.params.pointer + i)
            worst = max(worst, abs(num - Double(head.grads.pointer[i])) / max(0.05, abs(num)))
        }
        // The trunk's gradient is the value loss's scaled by the trunk weight.
        for (_, tensor, layer) in m.layout.namedSlices where tensor != .wte || layer == 0 {
            let base = m.layout.offset(tensor, layer: layer), n = m.layout.sliceSizes[tensor.rawValue]
            for k in 0..<min(n, 3) {
                let i = base + (k * 7919) % n
                let num = Double(trunk) * (try numeric(m.params.pointer + i))
                worst = max(worst, abs(num - Double(m.grads.pointer[i])) / max(0.05, abs(num)))
            }
        }
        #expect(worst < 0.05, "worst relative gradient error \(worst)")
    }

    @Test func lossFallsOnAFixedBatch() throws {
        let m = try GPT(config: tiny)
        m.initialize(seed: 5)
        let opt = AdamW(layout: m.layout)
        let (tokens, targets) = batch(B: 4, T: 8, V: tiny.vocabSize, seed: 9)
        var first: Float = 0, last: Float = 0
        for step in 0..<100 {
            m.zeroGrad()
            let loss = try m.trainStep(tokens: tokens, targets: targets, B: 4, T: 8)
            if step == 0 { first = loss }
            last = loss
            opt.update(params: m.params, grads: m.grads, lr: 1e-2)
        }
        #expect(first > 2.0)
        #expect(last < first * 0.3, "loss \(first) → \(last)")
    }

    @Test func trainingIsDeterministic() throws {
        func run() throws -> [Float] {
            let m = try GPT(config: tiny)
            m.initialize(seed: 11)
            let opt = AdamW(layout: m.layout)
            let (tokens, targets) = batch(B: 3, T: 8, V: tiny.vocabSize, seed: 12)
            for _ in 0..<5 {
                m.zeroGrad()
                try m.trainStep(tokens: tokens, targets: targets, B: 3, T: 8)
                opt.update(params: m.params, grads: m.grads, lr: 1e-3)
            }
            return m.params.array
        }
        #expect(try run() == run())
    }

    @Test func reusedActivationsGiveTheSameGradientsAsFreshOnes() throws {
        // A larger batch shape first leaves non-zero activations behind in the reused storage.
        let (tokens, targets) = batch(B: 2, T: 5, V: tiny.vocabSize, seed: 21)
        let (big, bigTargets) = batch(B: 3, T: 8, V: tiny.vocabSize, seed: 22)
        let used = try tinyModel(seed: 4)
        try used.trainStep(tokens: big, targets: bigTargets, B: 3, T: 8)
        used.zeroGrad()
        try used.trainStep(tokens: tokens, targets: targets, B: 2, T: 5)
        let fresh = try tinyModel(seed: 4)
        try fresh.trainStep(tokens: tokens, targets: targets, B: 2, T: 5)
        #expect(used.grads.array == fresh.grads.array)
    }

    @Test func outOfRangeInputIsAnErrorNotACrash() throws {
        let m = try tinyModel()
        #expect(throws: GPTError.self) { try m.forward([Int32(99)], B: 1, T: 1) }
        #expect(throws: GPTError.self) { try m.forward([Int32](repeating: 0, count: 9), B: 1, T: 9) }
        #expect(throws: GPTError.self) { _ = try GPT(config: GPTConfig(vocabSize: 10, heads: 3, width: 8)) }
    }

    @Test func checkpointRoundTrip() throws {
        let m = try tinyModel(seed: 21)
        let opt = AdamW(layout: m.layout)
        let (tokens, targets) = batch(B: 2, T: 8, V: tiny.vocabSize, seed: 22)
        m.zeroGrad()
        try m.trainStep(tokens: tokens, targets: targets, B: 2, T: 8)
        opt.update(params: m.params, grads: m.grads, lr: 1e-3)
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Checkpoint.save(model: m, optimizer: opt, extraFiles: ["note.txt": Data("hi".utf8)], to: dir)
        // Saving again over an existing checkpoint replaces it whole.
        try Checkpoint.save(model: m, optimizer: opt, extraFiles: ["note.txt": Data("hi".utf8)], to: dir)
        let back = try Checkpoint.loadModel(from: dir)
        #expect(back.config == tiny)
        #expect(back.params.array == m.params.array)
        let opt2 = AdamW(layout: back.layout)
        try Checkpoint.loadOptimizer(opt2, from: dir)
        #expect(opt2.step == 1)
        #expect(opt2.m.array == opt.m.array && opt2.v.array == opt.v.array)
        #expect(try m.loss(tokens: tokens, targets: targets, B: 2, T: 8) == back.loss(tokens: tokens, targets: targets, B: 2, T: 8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (dir as NSString).deletingLastPathComponent)
            .filter { $0.contains((dir as NSString).lastPathComponent) && $0 != (dir as NSString).lastPathComponent }
        #expect(leftovers.isEmpty)
    }

    @Test func safetensorsHeaderIsHuggingFaceShaped() throws {
        let m = try tinyModel()
        let data = Checkpoint.encodeModel(m)
        let (tensors, meta) = try Safetensors.decode(data, path: "x")
        #expect(meta["format"] == "pt")
        #expect(tensors["transformer.h.1.attn.c_attn.weight"]?.shape == [8, 24])
        #expect(tensors["transformer.h.0.mlp.c_proj.weight"]?.shape == [32, 8])
        #expect(tensors["transformer.wte.weight"]?.shape == [11, 8])
        #expect(tensors.count == 4 + 12 * tiny.layers)
    }

    @Test func brokenCheckpointsGiveClearErrors() throws {
        let m = try tinyModel()
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try Checkpoint.loadModel(from: dir) }.contains("no such checkpoint directory"))
        try Checkpoint.save(model: m, to: dir)
        let file = (dir as NSString).appendingPathComponent(Checkpoint.modelFile)
        let full = try Data(contentsOf: URL(fileURLWithPath: file))
        // truncated
        try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: file))
        let truncated = message { _ = try Checkpoint.loadModel(from: dir) }
        #expect(truncated.contains("model.safetensors") && truncated.contains("truncated"))
        // garbage header length
        try Data([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 1, 2]).write(to: URL(fileURLWithPath: file))
        #expect(message { _ = try Checkpoint.loadModel(from: dir) }.contains("corrupt"))
        // mismatched config
        try full.write(to: URL(fileURLWithPath: file))
        let cfg = (dir as NSString).appendingPathComponent(Checkpoint.configFile)
        var bigger = tiny
        bigger.width = 16
        try Checkpoint.configJSON(bigger).write(to: URL(fileURLWithPath: cfg))
        let mismatch = message { _ = try Checkpoint.loadModel(from: dir) }
        #expect(mismatch.contains("shape") && mismatch.contains("model.safetensors"))
        // missing file
        try FileManager.default.removeItem(atPath: file)
        #expect(message { _ = try Checkpoint.loadModel(from: dir) }.contains("missing"))
        #expect(message { _ = try AdamW(layout: m.layout).step }.isEmpty)
        #expect(message { try Checkpoint.loadOptimizer(AdamW(layout: m.layout), from: dir) }.contains("optimizer.safetensors"))
    }

    @Test func scheduleWarmsUpThenDecays() {
        let s = LRSchedule(peak: 1e-3, warmupSteps: 10, totalSteps: 110, minFraction: 0.1)
        #expect(s.rate(at: 0) < s.rate(at: 9))
        #expect(abs(s.rate(at: 9) - 1e-3) < 1e-9)
        #expect(abs(s.rate(at: 110) - 1e-4) < 1e-9)
        #expect(s.rate(at: 60) < s.rate(at: 20))
    }
}
