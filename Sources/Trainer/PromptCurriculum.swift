import Foundation
import Tasks

/// Prioritised sampling of training prompts, after Kimi k1.5's curriculum: spend the
/// sampler on prompts whose group is likely to carry signal.
///
/// A group of G samples teaches GRPO (and Kimi's loss) nothing when all G agree, which
/// for a prompt solved with probability p happens with probability p^G + (1 − p)^G. The
/// curriculum estimates p per prompt *shape* (the prompt with every digit replaced by 9:
/// "47+85=" and "12+30=" are both "99+99=") from the groups it has seen, and accepts a
/// new prompt with probability max(floor, 1 − p^G − (1 − p)^G). The floor keeps every
/// shape in the stream, so shapes the policy starts to solve are noticed.
///
/// The accept/skip choice hashes (seed, prompt index), so a run is reproducible and a
/// resumed run (with the saved statistics) makes the same choices.
public struct PromptCurriculum: Codable, Sendable, Equatable {
    public var floor: Double
    public var groupSize: Int
    public var seed: UInt64
    /// Decayed counts per shape: correct samples and all samples.
    public private(set) var stats: [String: Counts] = [:]

    public struct Counts: Codable, Sendable, Equatable {
        public var correct = 0.0
        public var total = 0.0
    }

    /// Weight of the past at each new group of a shape (≈ the last 10 groups count).
    static let decay = 0.9

    public init(floor: Double, groupSize: Int, seed: UInt64) {
        self.floor = floor
        self.groupSize = groupSize
        self.seed = seed
    }

    public static func shape(of prompt: String) -> String {
        String(prompt.map { $0.isASCII && $0.isNumber ? "9" : $0 })
    }

    /// Estimated solve rate of a shape (0.5 before any group of it was seen).
    public func solveRate(shape: String) -> Double {
        let c = stats[shape] ?? Counts()
        return (c.correct + 0.5) / (c.total + 1)
    }

    /// Probability that a group of `groupSize` samples of this shape is not all alike
    /// (1 for a shape not seen yet).
    public func informativeProbability(shape: String) -> Double {
        guard stats[shape] != nil else { return 1 }
        let p = solveRate(shape: shape), G = Double(groupSize)
        return 1 - pow(p, G) - pow(1 - p, G)
    }

    public func accepts(prompt: String, index: Int) -> Bool {
        let u = Double(SplitMix64.mix(seed ^ UInt64(bitPattern: Int64(index))) >> 11) / Double(1 << 53)
        return u < max(floor, informativeProbability(shape: Self.shape(of: prompt)))
    }

    /// Records a scored group: `correct` of `total` samples were right.
    public mutating func record(prompt: String, correct: Int, total: Int) {
        var c = stats[Self.shape(of: prompt)] ?? Counts()
        c.correct = c.correct * Self.decay + Double(correct)
        c.total = c.total * Self.decay + Double(total)
        stats[Self.shape(of: prompt)] = c
    }
}
