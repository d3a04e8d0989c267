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
        public var newTokensPerSecond: [Double]
        public var median: Double { newTokensPerSecond.sorted()[newTokensPerSecond.count / 2] }
    }

    public static func run(config: GPTConfig, batch: Int, promptLength: Int, newTokens: Int, repeats: Int = 3) throws -> Result {
        let model = try GPT(config: config)
        model.initialize(seed: 1)
        var rng = Xoshiro256(seed: 3)
        let prompts = (0..<batch).map { _ in (0..<promptLength).map { _ in Int32(rng.next() % UInt64(config.vocabSize)) } }
        let sampler = Sampler(model: model)
        let params = SamplingParams(maxNewTokens: newTokens)
        _ = try sampler.generate(prompts: prompts, samplesPerPrompt: 1, params: params, rng: &rng)
        var rates: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let out = try sampler.generate(prompts: prompts, samplesPerPrompt: 1, params: params, rng: &rng)
            let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rates.append(Double(out.joined().reduce(0) { $0 + $1.tokens.count }) / secs)
        }
        return Result(batch: batch, promptLength: promptLength, newTokens: newTokens, newTokensPerSecond: rates)
    }
}
