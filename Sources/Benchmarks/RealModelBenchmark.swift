import Foundation
import Kernels
import Llama
import Sampler

/// One repetition of each real-model measurement (SmolLM2-135M-Instruct from `make smollm2`),
/// on this model's own shapes: the bench alternates them with their PyTorch twins.
public enum RealModelBenchmark {
    /// New tokens/s: `rows` random `promptLength`-token prompts, each sampled to exactly
    /// `newTokens` (no stop tokens), temperature 1, as HF `generate` is timed.
    static func sampling(_ model: Llama, rows: Int, promptLength: Int, newTokens: Int, seed: UInt64) throws -> Double {
        var rng = Xoshiro256(seed: seed)
        let V = UInt64(model.vocabSize)
        let prompts = (0..<rows).map { _ in (0..<promptLength).map { _ in Int32(1 + rng.next() % (V - 1)) } }
        let sampler = Sampler(model: model)
        let start = DispatchTime.now().uptimeNanoseconds
        let out = try sampler.generate(prompts: prompts, samplesPerPrompt: 1, params: SamplingParams(maxNewTokens: newTokens), rng: &rng)
        let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(out.joined().reduce(0) { $0 + $1.tokens.count }) / secs
    }

    /// A language-model training step timed as PyTorch's twin times it: forward on `rows` ×
    /// `seq` random tokens, mean cross-entropy on the next token, backward, gradient clip 1 and
    /// AdamW on what the model trains (every weight, or its LoRA adapters). Tokens/s.
    final class Trainer {
        let model: Llama
        let optimizer: AdamW
        let tokens: [Int32], targets: [Int32]
        let rows: Int, seq: Int

        init(model: Llama, rows: Int, seq: Int, seed: UInt64) {
            self.model = model; self.rows = rows; self.seq = seq
            var rng = Xoshiro256(seed: seed)
            let V = UInt64(model.vocabSize)
            let ids = (0..<(rows * seq)).map { _ in Int32(rng.next() % V) }
            tokens = ids
            // As labels=input_ids does: position t predicts token t+1, the row's last nothing.
            targets = (0..<(rows * seq)).map { i in i % seq == seq - 1 ? -1 : ids[i + 1] }
            var c = AdamWConfig()
            c.gradClip = 1
            optimizer = AdamW(model: model, config: c)
        }

        func step() throws {
            model.zeroGrad()
            try tokens.withUnsafeBufferPointer { try model.forward($0.baseAddress!, layout: .dense(rows: rows, length: seq)) }
            _ = targets.withUnsafeBufferPointer {
                crossentropy_forward_backward(model.dlogits, model.logits, $0.baseAddress!, N: rows * seq, V: model.vocabSize)
            }
            model.backward(hiddenGradient: nil)
            optimizer.update(params: model.trainable, grads: model.trainableGrads, lr: 3e-4)
        }

        /// Tokens/s of `steps` steps.
        func measure(steps: Int) throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps { try step() }
            return Double(rows * seq * steps) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
    }
}
