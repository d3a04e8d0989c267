import Foundation
import Kernels
import Ranks
import RL
import TinyGPT

/// What one update reports (the learner-side half of `StepMetrics`).
public struct UpdateStats: Sendable {
    public var loss: Float = 0
    public var kl: Float = 0
    public var entropy: Float = 0
    public var clipFraction: Float = 0
    /// PPO's value loss on the first pass (nil for the other algorithms).
    public var valueLoss: Float?
    public var gradNorm: Float = 0
    public var lr: Float = 0
    public var completionLength: Float = 0
    /// Mean |behaviour log-prob − this policy's| per completion token, over the groups trained.
    public var behaviourGap: Float = 0
    /// Indices (into the groups given) of those that failed an audit (`ForgeryAudit`): left out of the update.
    public var forgedGroups: [Int] = []
}

/// The learner's half of RL: scored groups in, one optimiser update (`config.passes` passes) out.
///
/// It owns the policy being trained, the frozen reference and AdamW, and knows nothing
/// of where the groups came from, so the single-process loop and the distributed
/// learner share it. The algorithm is its `objective` (`PolicyObjective`); the checks on
/// what senders claim are `audit`'s; the ranks' share of the work is in `+Ranks`.
public final class PolicyUpdater {
    public let config: RLConfig
    public let settings: UpdaterSettings
    public let policy: any CausalLM
    /// The frozen policy the KL term pulls toward; nil when β = 0 (no KL term, no copy of the weights).
    public let reference: (any CausalLM)?
    public let optimizer: AdamW
    let objective: any PolicyObjective
    let audit: ForgeryAudit
    /// The LM head and the loss run a chunk of positions at a time: no whole logits.
    let head = HeadChunks()
    /// The learner's data-parallel ranks (one by default): each trains a share of every
    /// update's rows and the gradients are summed before the step.
    public let ranks: RankGroup
    /// Positions (rows × length) per micro-batch: large enough for BLAS to run near its
    /// peak, small enough that rows of similar length share one and the pass fits in memory.
    public let microBatchPositions: Int
    /// Updates applied so far (the policy's version).
    public private(set) var updates = 0

    /// PPO's critic on the policy's last hidden state; nil for the other algorithms.
    public var valueHead: ValueHead? { objective.valueHead }

    /// `reference` is the frozen policy the KL term pulls toward: the run's base, which is
    /// `policy` itself at the start of a run (a resumed run passes the base it started from).
    public init(config: RLConfig, policy: any CausalLM, reference base: (any CausalLM)? = nil,
                settings: UpdaterSettings = UpdaterSettings(), ranks: RankGroup = SingleRank()) throws {
        self.config = config
        self.settings = settings
        self.policy = policy
        self.ranks = ranks
        // A LoRA policy's twin carries its adapters (zero at a run's start); a resumed run's base has none.
        reference = config.loss.beta > 0 ? try (base ?? policy).twin() : nil
        var opt = AdamWConfig()
        opt.weightDecay = 0
        opt.gradClip = config.gradClip
        optimizer = AdamW(model: policy, config: opt)
        objective = Trainer.objective(for: config, width: policy.width)
        audit = ForgeryAudit(settings: settings)
        microBatchPositions = config.microBatchTokens > 0 ? config.microBatchTokens : Self.microBatchPositions(for: policy)
    }

    /// What one micro-batch's activations may take: with a 135M-parameter model's weights,
    /// gradients, moments and reference (2.7 GB) the learner's step stays under 6 GB.
    static let activationBudget = 1536 << 20

    /// Micro-batch positions for `model`: 4096 (BLAS near its peak; our GPT-2's is always
    /// this), fewer when its activations per position would pass `activationBudget`.
    public static func microBatchPositions(for model: any CausalLM) -> Int {
        min(4096, max(256, activationBudget / max(model.bytesPerPosition, 1)))
    }

    /// Restores the optimiser step count (for resumed runs).
    public func restore(updates: Int) { self.updates = updates }

    /// One optimiser update on `groups` (each of `config.groupSize` completions).
    ///
    /// Groups run as packed micro-batches (no padding; a group's rows share its prompt) whose
    /// gradients add up before the optimiser step.
    public func update(_ groups: [ScoredGroup]) throws -> UpdateStats {
        var s = UpdateStats()
        if ranks.size > 1, ranks.rank == 0 { try sendGroups(groups) }
        guard !groups.isEmpty else { return s }
        var forged = try audit.forgedReferences(groups, update: updates, reference: reference, temperature: config.temperature,
                                                positions: microBatchPositions, ranks: ranks)
        var kept = groups.indices.filter { !forged.contains($0) }
        s.forgedGroups = forged.sorted()
        guard !kept.isEmpty else { return s }
        var prepared = try prepare(kept.map { groups[$0] })
        objective.begin(chunks: prepared.chunks.count, meanReward: prepared.meanReward)
        var first = try gradientPass(prepared)
        // The first pass recomputes every log-prob the sender claims: a group beyond the bound
        // is left out and the pass run again without it (rare: only when someone forges).
        var gaps = ForgeryAudit.groupGaps(first.rowGaps, groupSize: config.groupSize)  // per kept group
        let offBehaviour = audit.offBehaviour(gaps)
        if !offBehaviour.isEmpty {
            forged.formUnion(offBehaviour.map { kept[$0] })
            gaps = gaps.indices.filter { !offBehaviour.contains($0) }.map { gaps[$0] }
            kept = kept.filter { !forged.contains($0) }
            s.forgedGroups = forged.sorted()
            objective.restart()  // e.g. PPO's warm start must not count the forged rewards
            guard !kept.isEmpty else { return s }
            prepared = try prepare(kept.map { groups[$0] })
            objective.begin(chunks: prepared.chunks.count, meanReward: prepared.meanReward)
            first = try gradientPass(prepared)
        }
        s.behaviourGap = gaps.reduce(0, +) / Float(gaps.count)
        let lr = config.schedule.rate(at: updates)
        for epoch in 0..<config.passes {
            let pass = epoch == 0 ? first : try gradientPass(prepared)
            let norm = optimizer.update(params: policy.trainable, grads: policy.trainableGrads, lr: lr)
            if let head = valueHead {
                head.optimizer.update(params: head.params, grads: head.grads, lr: config.ppo.valueLearningRate)
            }
            if epoch == 0 {
                // Report the first pass: the policy that sampled the batch.
                (s.gradNorm, s.loss, s.kl, s.entropy, s.valueLoss) = (norm, pass.loss, pass.kl, pass.entropy, pass.valueLoss)
            }
            s.clipFraction = pass.clipFraction
        }
        updates += 1
        try checkRanksAgree()
        s.lr = lr
        s.completionLength = prepared.completionLength
        return s
    }

    /// An update's micro-batches with their rows' targets or advantages (and reference log-probs).
    private struct Prepared {
        var chunks: [TokenBatch]
        /// Per chunk, its rows' targets (Kimi), advantages, or rewards (PPO, whose advantages are per token).
        var values: [[Float]]
        /// Chunk i's rows, as indices of the update's rows (this rank's share of them).
        var rows: [[Int]]
        /// The update's rows, on every rank.
        var rowCount: Int
        var completionLength: Float
        var meanReward: Float
    }

    private func prepare(_ groups: [ScoredGroup]) throws -> Prepared {
        let G = config.groupSize
        var prompts: [[Int32]] = [], completions: [[Int32]] = [], behaviour: [[Float]] = [], rewards: [Float] = []
        var claimed: [[Float]?] = []
        for g in groups {
            precondition(g.completions.count == G && g.scores.count == G, "a group must hold group_size completions")
            for (c, sc) in zip(g.completions, g.scores) {
                prompts.append(g.prompt)
                completions.append(c.tokens)
                behaviour.append(c.logprobs)
                rewards.append(sc.reward)
                claimed.append(c.referenceLogprobs.flatMap { $0.count == c.tokens.count ? $0 : nil })
            }
        }
        // This rank's rows (all of them with one rank) in micro-batches of whole groups, and the
        // KL term's reference log-probs for them.
        let context = policy.contextLength
        let groupPositions = groups.map { g in
            PackedRows.positions(prompts: Array(repeating: g.prompt, count: G), completions: g.completions.map(\.tokens),
                                 contextLength: context)
        }
        let chunks = Self.rankBatches(groupPositions: groupPositions, microBatchPositions: microBatchPositions, ranks: ranks).map { $0.flatMap { g in (g * G)..<((g + 1) * G) } }
        let mine = chunks.flatMap { $0 }
        var referenceRows: [[Float]]?
        if config.loss.beta > 0 {
            referenceRows = try referenceLogprobs(rows: mine, prompts: prompts, completions: completions, claimed: claimed)
        }
        // What each row regresses onto (Kimi) or is weighted by (the others), from its whole group.
        let perRow = objective.rowValues(rewards: rewards, groupSize: G)
        let batches = microBatches(chunks, prompts: prompts, completions: completions, behaviour: behaviour, reference: referenceRows)
        return Prepared(chunks: batches.map { $0.batch }, values: batches.map { $0.rows.map { perRow[$0] } },
                         rows: batches.map(\.rows), rowCount: prompts.count,
                         completionLength: Float(completions.reduce(0) { $0 + $1.count }) / Float(completions.count),
                         meanReward: rewards.reduce(0, +) / Float(max(rewards.count, 1)))
    }

    /// The reference log-probs of `rows`: what their actor computed, the rest scored here
    /// (other rows get none: another rank trains them).
    private func referenceLogprobs(rows: [Int], prompts: [[Int32]], completions: [[Int32]], claimed: [[Float]?]) throws -> [[Float]] {
        let missing = rows.filter { claimed[$0] == nil }
        var out = claimed.map { $0 ?? [] }
        guard !missing.isEmpty else { return out }
        let scored = try frozenReference().completionLogprobs(prompts: missing.map { prompts[$0] }, completions: missing.map { completions[$0] },
                                                      temperature: config.temperature, positions: microBatchPositions)
        for (i, lp) in zip(missing, scored) { out[i] = lp }
        return out
    }

    private func frozenReference() throws -> any CausalLM {
        guard let reference else { throw TrainerError.invalidConfig("the KL reference is needed only when algorithm.beta > 0") }
        return reference
    }

    /// What one pass reports: loss summed over micro-batches; KL, clip fraction and entropy per token.
    private struct PassStats {
        var loss: Float = 0, kl: Float = 0, clipFraction: Float = 0, entropy: Float = 0
        var valueLoss: Float?
        /// Per update row: Σ |behaviour − current log-prob| over its tokens, and how many.
        var rowGaps: [(sum: Float, tokens: Int)] = []
    }

    /// Forward and backward over every micro-batch, gradients summed into `policy.trainableGrads`
    /// (zeroed first) and the value head's.
    private func gradientPass(_ prepared: Prepared) throws -> PassStats {
        let t = config.temperature  // score tokens under the distribution they were sampled from
        policy.zeroGrad()
        valueHead?.zeroGrad()
        var p = PassStats(), lossTokens = 0, entropyTokens = 0, clipTotal = 0
        p.rowGaps = Array(repeating: (0, 0), count: prepared.rowCount)
        for c in prepared.chunks.indices {
            var batch = prepared.chunks[c]
            try forward(batch)
            let out = LogitsGradient.logprobsAndEntropy(head, policy, targets: batch.targets, temperature: t)
            if config.loss.beta == 0 { batch.refLogprobs = out.logp }  // no KL term: k3 = 0
            let result = objective.loss(chunk: c, logp: out.logp, batch: batch, values: prepared.values[c], policy: policy)
            if let v = result.valueLoss { p.valueLoss = (p.valueLoss ?? 0) + v }
            let bonus = entropyWeights(batch)
            LogitsGradient.backward(head, policy, targets: batch.targets, dLossDLogp: result.dLogp, temperature: t,
                                    entropyBonus: bonus, hiddenGradient: result.dHidden)
            let n = batch.lengths.reduce(0, +)
            p.loss += result.stats.loss - zip(bonus ?? [], out.entropy).reduce(0) { $0 + $1.0 * $1.1 }
            p.kl += result.stats.kl * Float(n)
            // GSPO clips sequences, the others tokens: weigh each chunk's fraction by its own unit.
            let clipUnits = objective.clipsSequences ? batch.rows : n
            p.clipFraction += result.stats.clipFraction * Float(clipUnits)
            clipTotal += clipUnits
            lossTokens += n
            for q in batch.sequence.indices where batch.sequence[q] >= 0 {
                p.entropy += out.entropy[q]
                entropyTokens += 1
                let row = prepared.rows[c][Int(batch.sequence[q])]
                p.rowGaps[row].sum += abs(out.logp[q] - batch.oldLogprobs[q])
                p.rowGaps[row].tokens += 1
            }
        }
        if ranks.size > 1 { try sumOverRanks(&p, lossTokens: &lossTokens, entropyTokens: &entropyTokens, clipTotal: &clipTotal) }
        p.kl /= Float(max(lossTokens, 1))
        p.clipFraction /= Float(max(clipTotal, 1))
        p.entropy /= Float(max(entropyTokens, 1))
        return p
    }

    /// Every rank's gradients and pass statistics summed (each rank ran its own rows).
    private func sumOverRanks(_ p: inout PassStats, lossTokens: inout Int, entropyTokens: inout Int, clipTotal: inout Int) throws {
        try ranks.sum(policy.trainableGrads.pointer, count: policy.trainableGrads.count)
        if let head = valueHead { try ranks.sum(head.grads.pointer, count: head.grads.count) }
        var v = [p.loss, p.kl, p.clipFraction, p.entropy, p.valueLoss ?? 0, Float(lossTokens), Float(entropyTokens), Float(clipTotal)]
        v += p.rowGaps.flatMap { [$0.sum, Float($0.tokens)] }
        try v.withUnsafeMutableBufferPointer { try ranks.sum($0.baseAddress!, count: $0.count) }
        (p.loss, p.kl, p.clipFraction, p.entropy) = (v[0], v[1], v[2], v[3])
        if valueHead != nil { p.valueLoss = v[4] }
        (lossTokens, entropyTokens, clipTotal) = (Int(v[5]), Int(v[6]), Int(v[7]))
        p.rowGaps = p.rowGaps.indices.map { (v[8 + 2 * $0], Int(v[9 + 2 * $0])) }
    }

    /// This rank's micro-batches, as indices of the update's groups: consecutive groups cut into
    /// micro-batches of at most `microBatchPositions` packed positions (at least one group; the
    /// same cut for any number of ranks), and each micro-batch's groups dealt over the ranks,
    /// the largest first to whichever has the fewest positions so far, so every rank gets
    /// about the same work and a group's rows share their prompt.
    static func rankBatches(groupPositions: [Int], microBatchPositions: Int, ranks: RankGroup) -> [[Int]] {
        var chunks: [[Int]] = [], used = 0
        for (g, n) in groupPositions.enumerated() {
            if chunks.isEmpty || used + n > microBatchPositions {
                chunks.append([])
                used = 0
            }
            chunks[chunks.count - 1].append(g)
            used += n
        }
        let K = ranks.size
        guard K > 1 else { return chunks }
        var load = [Int](repeating: 0, count: K)
        return chunks.compactMap { chunk in
            var mine: [Int] = []
            for g in chunk.sorted(by: { (groupPositions[$0], $1) > (groupPositions[$1], $0) }) {
                let seat = load.indices.min { (load[$0], $0) < (load[$1], $1) }!
                load[seat] += groupPositions[g]
                if seat == ranks.rank { mine.append(g) }
            }
            return mine.isEmpty ? nil : mine.sorted()
        }
    }

    /// The token batches of `chunks` (`rankBatches`' groups as rows), packed: a group's rows
    /// share its prompt; `rows` maps a micro-batch's rows back to the update's.
    private func microBatches(_ chunks: [[Int]], prompts: [[Int32]], completions: [[Int32]], behaviour: [[Float]],
                              reference: [[Float]]?) -> [(batch: TokenBatch, rows: [Int])] {
        let totalTokens = completions.reduce(0) { $0 + $1.count }
        return chunks.map { rows in
            var batch = TokenBatch(prompts: rows.map { prompts[$0] }, completions: rows.map { completions[$0] },
                                   behaviourLogprobs: rows.map { behaviour[$0] }, referenceLogprobs: reference.map { r in rows.map { r[$0] } },
                                   contextLength: policy.contextLength)
            batch.updateRows = prompts.count
            batch.updateTokens = totalTokens
            return (batch, rows)
        }
    }

    private func forward(_ batch: TokenBatch) throws {
        try batch.tokens.withUnsafeBufferPointer { try policy.forwardHidden($0.baseAddress!, layout: batch.layout, forBackward: true) }
    }

    /// Per-position weight of the entropy bonus: `entropyCoef` times the loss's own token
    /// weight (1/all tokens, or 1/(length · rows) per sequence); nil when there is no bonus.
    private func entropyWeights(_ batch: TokenBatch) -> [Float]? {
        guard config.entropyCoef > 0 else { return nil }
        let total = Float(max(1, batch.updateTokens)), rows = Float(max(batch.updateRows, 1))
        let perSequence = objective.weighsPerSequence
        return batch.sequence.map { r in
            guard r >= 0 else { return 0 }
            return config.entropyCoef * (perSequence ? 1 / (Float(max(batch.lengths[Int(r)], 1)) * rows) : 1 / total)
        }
    }
}
