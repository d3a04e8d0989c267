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
        public var tokensPerSecond: [Double]
        public var median: Double { tokensPerSecond.sorted()[tokensPerSecond.count / 2] }
    }

    public static func run(config: GPTConfig, batch B: Int, seq T: Int, steps: Int, warmup: Int = 2,
                           repeats: Int = 3) throws -> Result {
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
        return Result(batch: B, seq: T, steps: steps, threads: Parallel.threads, tokensPerSecond: rates)
    }
}
