import Kernels
import Ranks


/// How the learner checks the groups it is sent and shares its work: fixed for a run and
/// given to `PolicyUpdater` at init (the cluster's learner sets them from `cluster.*`).
public struct UpdaterSettings: Codable, Sendable, Equatable {
    /// A group whose behaviour log-probs differ from this policy's by more than this (mean
    /// per token, in nats) was not sampled the way its sender says: it is left out. Staleness
    /// moves honest groups by a few hundredths; infinity (the default) checks nothing.
    public var maxBehaviourGap: Float = .infinity
    /// Share of the groups that arrive with reference log-probs (computed by their actor)
    /// whose log-probs are computed again here: a group off by more than `maxReferenceGap`
    /// is forged and left out. Rows without them are always scored here.
    public var referenceAuditFraction = 0.1
    /// The reference is the same frozen weights on both sides, so honest log-probs differ
    /// only by float rounding in differently shaped batches (~1e-6 nats).
    public var maxReferenceGap: Float = 1e-3
    /// With several ranks, their parameters are compared every this many updates (0: never).
    public var rankCheckEvery = 10

    public init() {}
}

/// The learner's two checks that a group was sampled the way its sender says: its behaviour
/// log-probs against this policy's (`offBehaviour`, from the first pass's gaps), and a sample
/// of the reference log-probs actors computed against the frozen reference's (`forgedReferences`).
struct ForgeryAudit {
    let settings: UpdaterSettings

    /// Indices of the groups whose mean per-token behaviour gap is beyond the bound.
    func offBehaviour(_ gaps: [Float]) -> [Int] {
        gaps.indices.filter { gaps[$0] > settings.maxBehaviourGap }
    }

    /// Each group's mean per-token gap from its rows' (sum, tokens), groups of `G` rows.
    static func groupGaps(_ rowGaps: [(sum: Float, tokens: Int)], groupSize G: Int) -> [Float] {
        stride(from: 0, to: rowGaps.count, by: G).map { start in
            let rows = rowGaps[start..<min(start + G, rowGaps.count)]
            return rows.reduce(0) { $0 + $1.sum } / Float(max(rows.reduce(0) { $0 + $1.tokens }, 1))
        }
    }

    /// Groups whose actor-computed reference log-probs fail the audit: a sample (at least one
    /// group when any carries them; drawn from `update`, the same on every rank) is scored
    /// with `reference` and compared, mean |claimed − ours| per token. Each rank scores a
    /// share of the sample and the gaps are summed so every rank sees all.
    func forgedReferences(_ groups: [ScoredGroup], update: Int, reference: (any CausalLM)?, temperature: Float,
                          positions: Int, ranks: RankGroup) throws -> Set<Int> {
        guard let reference, settings.referenceAuditFraction > 0 else { return [] }
        let carrying = groups.indices.filter { groups[$0].completions.contains { $0.referenceLogprobs != nil } }
        guard !carrying.isEmpty else { return [] }
        var rng = Xoshiro256(seed: 0xA0D1_7000 &+ UInt64(update))
        var audited = carrying.filter { _ in Double(rng.next() >> 11) / Double(1 << 53) < settings.referenceAuditFraction }
        if audited.isEmpty { audited = [carrying[Int(rng.next() % UInt64(carrying.count))]] }
        var gaps = [Float](repeating: 0, count: audited.count)
        for (i, g) in audited.enumerated() where i % ranks.size == ranks.rank {
            let rows = groups[g].completions
            let ours = try reference.completionLogprobs(prompts: Array(repeating: groups[g].prompt, count: rows.count),
                                                        completions: rows.map(\.tokens), temperature: temperature, positions: positions)
            gaps[i] = Self.gap(claimed: rows.map(\.referenceLogprobs), ours: ours)
        }
        try gaps.withUnsafeMutableBufferPointer { try ranks.sum($0.baseAddress!, count: $0.count) }
        return Set(audited.indices.filter { !(gaps[$0] <= settings.maxReferenceGap) }.map { audited[$0] })
    }

    /// Mean |claimed − ours| per token over the rows that claim log-probs; infinite when a
    /// row claims the wrong number of them (garbage).
    static func gap(claimed: [[Float]?], ours: [[Float]]) -> Float {
        var gap: Float = 0, tokens = 0
        for (theirs, mine) in zip(claimed, ours) {
            guard let theirs else { continue }  // a row that claims nothing is scored here anyway
            guard theirs.count == mine.count else { return .infinity }
            gap += zip(theirs, mine).reduce(0) { $0 + abs($1.0 - $1.1) }
            tokens += mine.count
        }
        return gap / Float(max(tokens, 1))
    }
}
