import Foundation
import Kernels
import Sampler
import TinyGPT

/// Sampling throughput: new tokens/s for `batch` prompts of `promptLength` random
/// tokens, each generating exactly `newTokens` (no stop tokens), one sample per prompt.
public enum SamplingBenchmark {
    public struct Result: Codable, Sendable {
        public var batch: Int
        public var promptLength: Int
        public var newTokens: Int
        public var newTokensPerSecond: Stats
        /// Achieved GFLOP/s by `FLOPCount.sampling` (prefill included).
        public var gflops: Stats
    }

    /// Times `repeats` generations after one warm-up generation.
    public static func run(config: GPTConfig, batch: Int, promptLength: Int, newTokens: Int, repeats: Int = 3) throws -> Result {
        guard batch >= 1, repeats >= 1, promptLength >= 1, newTokens >= 1 else {
            throw BenchError.invalid("sampling batch, prompt length, new tokens and repeats must be ≥ 1")
        }
        guard promptLength + newTokens <= config.contextLength else {
            throw BenchError.invalid("prompt (\(promptLength)) + new tokens (\(newTokens)) exceed the context of \(config.contextLength)")
        }
        let model = try GPT(config: config)
        model.initialize(seed: 1)
        var rng = Xoshiro256(seed: 3)
        let prompts = (0..<batch).map { _ in (0..<promptLength).map { _ in Int32(rng.next() % UInt64(config.vocabSize)) } }
        let sampler = Sampler(model: model)
        let params = SamplingParams(maxNewTokens: newTokens)
        _ = try sampler.generate(prompts: prompts, samplesPerPrompt: 1, params: params, rng: &rng)
        var rates: [Double] = [], gflops: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let out = try sampler.generate(prompts: prompts, samplesPerPrompt: 1, params: params, rng: &rng)
            let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let made = out.joined().reduce(0) { $0 + $1.tokens.count }
            rates.append(Double(made) / secs)
            let perRow = Double(made) / Double(batch)
            gflops.append(FLOPCount.sampling(config, rows: batch, promptLength: promptLength, newTokens: Int(perRow.rounded())) / secs / 1e9)
        }
        return Result(batch: batch, promptLength: promptLength, newTokens: newTokens,
                      newTokensPerSecond: Stats(rates), gflops: Stats(gflops))
    }
}
