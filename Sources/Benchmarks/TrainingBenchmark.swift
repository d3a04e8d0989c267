import Foundation
import Kernels
import TinyGPT

/// Training throughput of the policy: forward + backward + AdamW on random tokens.
public enum TrainingBenchmark {
    public struct Result: Codable, Sendable {
        public var batch: Int
        public var seq: Int
        public var steps: Int
        public var threads: Int
        /// Tokens per second of each repetition.
        public var tokensPerSecond: Stats
        /// Achieved GFLOP/s by `FLOPCount.trainingStep`.
        public var gflops: Stats
    }

    /// Times `repeats` × `steps` steps on `batch` sequences of `seq` tokens after `warmup` steps.
    public static func run(config: GPTConfig, batch B: Int, seq T: Int, steps: Int, warmup: Int = 2,
                           repeats: Int = 3) throws -> Result {
        guard B >= 1, steps >= 1, repeats >= 1 else { throw BenchError.invalid("training batch, steps and repeats must be ≥ 1") }
        guard T >= 1, T <= config.contextLength else {
            throw BenchError.invalid("training sequence length must be in 1…\(config.contextLength), got \(T)")
        }
        let model = try GPT(config: config)
        model.initialize(seed: 1)
        let opt = AdamW(layout: model.layout)
        var rng = Xoshiro256(seed: 2)
        let tokens = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(config.vocabSize)) }
        let targets = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(config.vocabSize)) }
        func step() throws {
            model.zeroGrad()
            try model.trainStep(tokens: tokens, targets: targets, B: B, T: T)
            opt.update(params: model.params, grads: model.grads, lr: 3e-4)
        }
        for _ in 0..<warmup { try step() }
        var rates: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps { try step() }
            let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rates.append(Double(B * T * steps) / secs)
        }
        let flopsPerToken = FLOPCount.trainingStep(config, batch: B, seq: T) / Double(B * T)
        return Result(batch: B, seq: T, steps: steps, threads: Parallel.threads, tokensPerSecond: Stats(rates),
                      gflops: Stats(rates).scaled(flopsPerToken / 1e9))
    }
}
