import Foundation
import Sampler
import Tasks
import TinyGPT
import Verifier

/// Samples n completions per problem and reports pass@k, maj@k, reward, format rate and length.
public struct Evaluator {
    public struct Report: Codable, Sendable {
        public var problems: Int
        public var samplesPerProblem: Int
        public var temperature: Float
        /// pass@k for each k asked, keyed "1", "8", …
        public var passAtK: [String: Double]
        /// maj@k: the majority answer of k samples is right, averaged over the ⌊n/k⌋ disjoint blocks of k samples.
        public var majAtK: [String: Double]
        /// The test-time-scaling curve: pass@k and maj@k for every power of two up to n and
        /// every k asked, each with a 95 % bootstrap interval over problems (nil in reports
        /// written before it existed).
        public var curve: [CurvePoint]?
        public var meanReward: Double
        public var formatRate: Double
        public var meanCompletionTokens: Double
        public var seconds: Double
        public var newTokensPerSecond: Double
    }

    /// One k of the curve: the estimate and its 95 % interval, for pass@k and maj@k.
    public struct CurvePoint: Codable, Sendable, Equatable {
        public var k: Int
        public var passAtK: Double, passLow: Double, passHigh: Double
        public var majAtK: Double, majLow: Double, majHigh: Double
    }

    /// The k's of the curve: powers of two up to n, and the k's asked.
    public static func curveKs(samples n: Int, asked: [Int]) -> [Int] {
        let powers = sequence(first: 1) { $0 * 2 }.prefix { $0 <= n }
        return Array(Set(powers).union(asked.filter { $0 <= n })).sorted()
    }

    public let sampler: Sampler
    /// Prompts in, completions' text out: the policy's tokenizer, or its chat template.
    public let codec: any PromptCodec
    /// Scores a completion of a problem: the built-in arithmetic checker unless set (a run's
    /// external verifier, another answer format).
    public var verify: (_ problem: Problem, _ completion: String) -> Score = { [checker = RunVerifier.builtIn()] in
        checker.score(prompt: $0.prompt, completion: $1, answer: $0.answer)
    }
    public var batchProblems = 32

    public init(sampler: Sampler, codec: any PromptCodec) {
        self.sampler = sampler
        self.codec = codec
    }

    public init(model: GPT, tokenizer: Tokenizer) { self.init(sampler: Sampler(model: model), codec: tokenizer) }

    public func run(problems: [Problem], samples n: Int, ks: [Int], params: SamplingParams, seed: UInt64,
                    progress: ((Int, Int) -> Void)? = nil) throws -> Report {
        let asked = ks.filter { $0 <= n }
        let ks = Self.curveKs(samples: n, asked: asked)
        // Per k, each problem's value: the bootstrap resamples problems.
        var pass = [[Double]](repeating: [], count: ks.count), maj = [[Double]](repeating: [], count: ks.count)
        var reward = 0.0, formed = 0.0, tokens = 0
        let start = Date()
        try sampleEachProblem(problems, samples: n, sampler: sampler, codec: codec, params: params, seed: seed,
                              batchProblems: batchProblems, progress: progress) { p, group in
            let scores = group.map { verify(p, codec.text($0)) }
            let c = scores.filter(\.correct).count
            for (i, k) in ks.enumerated() {
                pass[i].append(passAtK(n: n, c: c, k: k))
                let blocks = stride(from: 0, through: n - k, by: k).map { scores[$0..<($0 + k)] }
                let right = blocks.filter { majorityCorrect(answers: $0.map(\.extracted), correct: $0.map(\.correct)) }.count
                maj[i].append(Double(right) / Double(blocks.count))
            }
            reward += scores.reduce(0) { $0 + Double($1.reward) }
            formed += Double(scores.filter(\.wellFormed).count)
            tokens += group.reduce(0) { $0 + $1.count }
        }
        let total = Double(problems.count), samples = total * Double(n)
        let secs = Date().timeIntervalSince(start)
        let mean = { (v: [Double]) in v.reduce(0, +) / Double(max(v.count, 1)) }
        let curve = ks.indices.map { i -> CurvePoint in
            let p = Bootstrap.interval(pass[i]), m = Bootstrap.interval(maj[i])
            return CurvePoint(k: ks[i], passAtK: mean(pass[i]), passLow: p.low, passHigh: p.high,
                              majAtK: mean(maj[i]), majLow: m.low, majHigh: m.high)
        }
        return Report(problems: problems.count, samplesPerProblem: n, temperature: params.temperature,
                      passAtK: Dictionary(uniqueKeysWithValues: curve.map { (String($0.k), $0.passAtK) }),
                      majAtK: Dictionary(uniqueKeysWithValues: curve.map { (String($0.k), $0.majAtK) }),
                      curve: curve, meanReward: reward / samples, formatRate: formed / samples, meanCompletionTokens: Double(tokens) / samples,
                      seconds: secs, newTokensPerSecond: Double(tokens) / secs)
    }
}

extension ArithmeticVerifier {
    /// This verifier as a problem-and-completion scorer.
    public var verify: (_ problem: Problem, _ completion: String) -> Score {
        { problem, text in score(completion: text, answer: problem.answer, prompt: problem.prompt) }
    }
}
