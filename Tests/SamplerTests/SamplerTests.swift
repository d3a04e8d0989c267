import Foundation
import Completions
import Testing
@testable import Kernels
@testable import Sampler
@testable import TinyGPT

private func model(seed: UInt64 = 3) throws -> GPT {
    let m = try GPT(config: GPTConfig(vocabSize: 13, contextLength: 24, layers: 2, heads: 2, width: 16))
    m.initialize(seed: seed)
    var rng = Xoshiro256(seed: seed + 1)
    for i in 0..<m.parameterCount { m.params.pointer[i] += 0.2 * rng.normal() }
    return m
}

@Suite("Sampler")
struct SamplerTests {
    /// The cached sampler's log-probs must equal a full, uncached forward pass over
    /// prompt + completion (temperature 1, no truncation: behaviour = policy), up to
    /// the rounding of the cache's scalars.
    @Test func cachedMatchesUncachedForward() throws {
        let m = try model()
        let sampler = Sampler(model: m)
        var rng = Xoshiro256(seed: 9)
        let prompts: [[Int32]] = [[1, 4, 5], [1, 7], [1, 2, 3, 9, 10]]
        let groups = try sampler.generate(prompts: prompts, samplesPerPrompt: 3,
                                          params: SamplingParams(maxNewTokens: 12), rng: &rng)
        var worst: Float = 0
        for (b, group) in groups.enumerated() {
            #expect(group.count == 3)
            for c in group {
                #expect(c.tokens.count == 12)
                let full = prompts[b] + c.tokens
                let lp = try m.tokenLogprobs(full)
                let tail = Array(lp[(prompts[b].count - 1)...])
                for (x, y) in zip(tail, c.logprobs) { worst = max(worst, abs(x - y)) }
            }
        }
        // Cached keys and values in halves (F16C builds) round each to 11 significant bits.
        let tolerance: Float = CacheScalar.self == Float.self ? 1e-4 : 2e-3
        #expect(worst < tolerance, "max |cached − uncached| = \(worst)")
    }

    @Test func sameSeedSameSamples() throws {
        let m = try model()
        func draw(_ seed: UInt64) throws -> [[Completion]] {
            var rng = Xoshiro256(seed: seed)
            return try Sampler(model: m).generate(prompts: [[1, 2], [1, 3, 4]], samplesPerPrompt: 4,
                                                  params: SamplingParams(temperature: 0.8, topP: 0.9, maxNewTokens: 10),
                                                  rng: &rng)
        }
        #expect(try draw(5) == draw(5))
        #expect(try draw(5) != draw(6))
    }

    @Test func topKOneIsGreedyWithCertainty() throws {
        let m = try model()
        var rng = Xoshiro256(seed: 1)
        let out = try Sampler(model: m).generate(prompts: [[1, 5]], samplesPerPrompt: 3,
                                                 params: SamplingParams(topK: 1, maxNewTokens: 8), rng: &rng)
        #expect(out[0][0].tokens == out[0][1].tokens && out[0][1].tokens == out[0][2].tokens)
        #expect(out[0][0].logprobs.allSatisfy { $0 == 0 })
        // Greedy means the argmax of the uncached logits at every step.
        let full: [Int32] = [1, 5] + out[0][0].tokens
        try full.withUnsafeBufferPointer { try m.forward($0.baseAddress!, B: 1, T: full.count - 1) }
        for t in 1..<(full.count - 1) {
            let row = m.logits + t * 13
            let argmax = (0..<13).max { row[$0] < row[$1] }!
            #expect(Int32(argmax) == full[t + 1])
        }
    }

    @Test func stopsAtStopTokenAndRespectsContext() throws {
        let m = try model()
        var rng = Xoshiro256(seed: 2)
        let stopAll = SamplingParams(maxNewTokens: 50, stopTokens: (0..<13).map(Int32.init))
        let one = try Sampler(model: m).generate(prompts: [[1]], samplesPerPrompt: 2, params: stopAll, rng: &rng)
        #expect(one[0].allSatisfy { $0.tokens.count == 1 && $0.stopped })
        let long = try Sampler(model: m).generate(prompts: [[Int32]](repeating: [1, 2, 3], count: 1), samplesPerPrompt: 1,
                                                  params: SamplingParams(maxNewTokens: 100), rng: &rng)
        #expect(long[0][0].tokens.count == 24 - 3)
        #expect(throws: SamplerError.self) {
            try Sampler(model: m).generate(prompts: [[]], samplesPerPrompt: 1, params: SamplingParams(), rng: &rng)
        }
        #expect(throws: SamplerError.self) {
            try Sampler(model: m).generate(prompts: [[1]], samplesPerPrompt: 1, params: SamplingParams(temperature: 0), rng: &rng)
        }
    }

    @Test func truncatedDistributionsRenormalise() throws {
        let m = try model()
        var rng = Xoshiro256(seed: 4)
        let out = try Sampler(model: m).generate(prompts: [[1, 2]], samplesPerPrompt: 50,
                                                 params: SamplingParams(topK: 2, maxNewTokens: 1), rng: &rng)
        // With two tokens kept, the two log-probs of the kept tokens sum (as probs) to 1.
        let distinct = Dictionary(out[0].map { ($0.tokens[0], $0.logprobs[0]) }, uniquingKeysWith: { a, _ in a })
        #expect(distinct.count == 2)
        #expect(abs(distinct.values.map { exp($0) }.reduce(0, +) - 1) < 1e-5)
    }
}
