/// Per-sequence advantages from rewards laid out group by group (G per prompt).
public enum AdvantageEstimator: String, Codable, Sendable, CaseIterable {
    /// (r − group mean) / (group std + ε), as in GRPO.
    case grpo
    /// r − group mean, without the std (Dr. GRPO).
    case grpoNoStd = "grpo_no_std"
    /// r − mean of the other G−1 rewards of the group (RLOO).
    case rloo
    /// r − batch mean (REINFORCE with a baseline).
    case reinforce

    public func advantages(rewards: [Float], groupSize G: Int, eps: Float = 1e-4) -> [Float] {
        precondition(G >= 1 && rewards.count % G == 0, "rewards must come in whole groups of \(G)")
        if self == .reinforce {
            let mean = rewards.reduce(0, +) / Float(max(rewards.count, 1))
            return rewards.map { $0 - mean }
        }
        var out = [Float](repeating: 0, count: rewards.count)
        for start in stride(from: 0, to: rewards.count, by: G) {
            let group = rewards[start..<(start + G)]
            let sum = group.reduce(0, +)
            let mean = sum / Float(G)
            switch self {
            case .grpo:
                let variance = group.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(G)
                let std = variance.squareRoot()
                for i in 0..<G { out[start + i] = (group[start + i] - mean) / (std + eps) }
            case .grpoNoStd:
                for i in 0..<G { out[start + i] = group[start + i] - mean }
            case .rloo:
                for i in 0..<G { out[start + i] = G > 1 ? group[start + i] - (sum - group[start + i]) / Float(G - 1) : 0 }
            case .reinforce: break
            }
        }
        return out
    }
}

/// True when every reward of the group is the same: GRPO gets no signal from it.
public func isZeroVariance(_ group: ArraySlice<Float>) -> Bool {
    guard let first = group.first else { return true }
    return group.allSatisfy { $0 == first }
}
