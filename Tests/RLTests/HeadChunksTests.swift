import Kernels
import Llama
import RL
import Testing
import TinyGPT

/// The learner's loss with the LM head in chunks computes what it computes on whole logits:
/// the same log-probs, entropies and gradients, for both families, with LoRA, at a temperature,
/// with an entropy bonus and a value head's gradient joining d(hidden).
@Suite("The LM head in chunks")
struct HeadChunksTests {
    /// A tiny Qwen2-shaped model (untied head, q/k/v biases, grouped-query heads).
    static func llama(tied: Bool, layers: Int = 2) throws -> Llama {
        let c = LlamaConfig(family: .qwen2, vocabSize: 37, contextLength: 16, layers: layers, width: 8, heads: 2, kvHeads: 1,
                            intermediate: 12, rmsEps: 1e-5, ropeTheta: 100, tiedHead: tied, qkvBias: true)
        let m = try Llama(config: c)
        m.initialize(seed: 5, std: 0.3)
        return m
    }

    struct Loss {
        var tokens: [Int32], targets: [Int32], dLogp: [Float], bonus: [Float], extra: [Float]
        let layout = AttentionLayout.dense(rows: 2, length: 7)
        let temperature: Float = 0.7

        init(V: Int, C: Int) {
            var rng = Xoshiro256(seed: 9)
            let N = layout.positions
            tokens = (0..<N).map { _ in Int32(rng.next() % UInt64(V)) }
            targets = (0..<N).map { p in p % 5 == 4 ? -1 : Int32(rng.next() % UInt64(V)) }
            dLogp = (0..<N).map { _ in rng.normal() }
            bonus = (0..<N).map { _ in 0.1 * abs(rng.normal()) }
            extra = (0..<(N * C)).map { _ in 0.1 * rng.normal() }
        }

        /// log-probs, entropies and the trainable gradients, the head applied whole or in chunks of `chunk`.
        func run(_ m: any CausalLM, chunk: Int?) throws -> (logp: [Float], entropy: [Float], grads: [Float]) {
            m.zeroGrad()
            let out: (logp: [Float], entropy: [Float])
            if let chunk {
                let head = HeadChunks(chunk: chunk)
                try tokens.withUnsafeBufferPointer { try m.forwardHidden($0.baseAddress!, layout: layout, forBackward: true) }
                out = LogitsGradient.logprobsAndEntropy(head, m, targets: targets, temperature: temperature)
                LogitsGradient.backward(head, m, targets: targets, dLossDLogp: dLogp, temperature: temperature,
                                        entropyBonus: bonus, hiddenGradient: extra)
            } else {
                try tokens.withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: layout) }
                out = LogitsGradient.logprobsAndEntropy(m.logits, targets: targets, V: m.vocabSize, temperature: temperature)
                LogitsGradient.write(m.dlogits, logits: m.logits, targets: targets, dLossDLogp: dLogp, V: m.vocabSize,
                                     temperature: temperature, entropyBonus: bonus)
                extra.withUnsafeBufferPointer { m.backward(hiddenGradient: $0.baseAddress!) }
            }
            return (out.logp, out.entropy, m.trainableGrads.array)
        }
    }

    static func expectClose(_ a: [Float], _ b: [Float], _ what: String) {
        #expect(a.count == b.count)
        let scale = max(b.map(abs).max() ?? 0, 1e-6)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * scale, "\(what): largest difference \(worst) of \(scale)")
    }

    func check(_ m: any CausalLM) throws {
        let loss = Loss(V: m.vocabSize, C: m.width)
        let whole = try loss.run(m, chunk: nil)
        #expect(whole.grads.contains { $0 != 0 }, "the loss reaches the weights")
        for chunk in [1, 5, 14, 64] {
            let parts = try loss.run(m, chunk: chunk)
            Self.expectClose(parts.logp, whole.logp, "log-probs, chunks of \(chunk)")
            Self.expectClose(parts.entropy, whole.entropy, "entropies, chunks of \(chunk)")
            Self.expectClose(parts.grads, whole.grads, "gradients, chunks of \(chunk)")
        }
    }

    @Test func llamaUntiedAndTied() throws {
        try check(try Self.llama(tied: false))
        try check(try Self.llama(tied: true))
    }

    @Test func llamaWithLoRAFrozenHead() throws {
        let m = try Self.llama(tied: false)
        try m.attachLoRA(LoRAConfig(rank: 2, alpha: 4), seed: 3)
        // Non-zero B, so that every adapter matrix has a gradient.
        for i in 0..<m.trainable.count { m.trainable.pointer[i] = 0.05 * Float((i * 7919) % 13 - 6) }
        try check(m)
    }

    @Test func gpt() throws {
        try check(try GPT(config: GPTConfig(vocabSize: 29, contextLength: 16, layers: 2, heads: 2, width: 8)))
    }

    /// Scoring keeps one layer's activations (two residual slots in turn: odd and even depths).
    @Test(arguments: [2, 3]) func completionLogprobsMatchWholeLogits(layers: Int) throws {
        let m = try Self.llama(tied: false, layers: layers)
        let prompts: [[Int32]] = [[1, 2, 3], [4, 5]], completions: [[Int32]] = [[6, 7], [8, 9, 10]]
        let scored = try m.completionLogprobs(prompts: prompts, completions: completions, temperature: 0.8)
        for (p, c) in zip(prompts, completions) {
            let seq = p + c
            try seq.withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: .dense(rows: 1, length: seq.count - 1)) }
            var lp = [Float](repeating: 0, count: seq.count - 1)
            token_logprobs(&lp, m.logits, Array(seq[1...]), N: seq.count - 1, V: m.vocabSize, temperature: 0.8)
            let i = prompts.firstIndex(of: p)!
            Self.expectClose(scored[i], Array(lp[(p.count - 1)...]), "completion \(i)")
        }
        // A training pass after a scoring pass keeps every layer again.
        try check(m)
    }
}
