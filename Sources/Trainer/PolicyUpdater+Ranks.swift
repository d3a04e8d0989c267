import Foundation
import Ranks
import TinyGPT
import Verifier
import Wire
import Completions
import Kernels

/// Data-parallel learner ranks: rank 0 is the learner (sockets, ledger, checkpoints) and hands
/// each update's groups to the others; every rank trains its share of the rows, the gradients
/// are summed, and every rank takes the same AdamW step.
extension PolicyUpdater {
    /// Rank 0, once before the first update: the state every rank starts from (the model's
    /// shape, the config, the weights, the reference, the optimiser's moments), so the other
    /// ranks need no checkpoint of their own and a resumed run may use any number of ranks.
    public func shareState() throws {
        precondition(ranks.rank == 0, "only rank 0 shares its state")
        guard let gpt = policy as? GPT else {
            throw TrainerError.invalidConfig("cluster.learner_ranks > 1 shares our GPT-2's shape with the other ranks; a \(type(of: policy)) policy trains on one rank for now (learner_ranks: 1)")
        }
        var header = try JSONEncoder.ranks.encode(RankHeader(of: self, model: gpt.config)).map { $0 }
        try ranks.broadcast(&header)
        try broadcastWeights()
    }

    /// Ranks other than 0: the updater rank 0 shares (`shareState`).
    public static func joinRankZero(_ ranks: RankGroup) throws -> PolicyUpdater {
        var bytes: [UInt8] = []
        try ranks.broadcast(&bytes)
        let h = try JSONDecoder.ranks.decode(RankHeader.self, from: Data(bytes))
        let updater = try PolicyUpdater(config: h.rl, policy: GPT(config: h.model), settings: h.settings, ranks: ranks)
        h.apply(to: updater)
        try updater.broadcastWeights()
        return updater
    }

    /// Ranks other than 0: updates on rank 0's groups until it says stop; returns how many.
    public func followRankZero() throws -> Int {
        var count = 0
        while let groups = try receiveGroups() {
            _ = try update(groups)
            count += 1
        }
        return count
    }

    /// Rank 0, at the end of the run: tells the other ranks to stop following.
    public func releaseRanks() throws {
        guard ranks.rank == 0, ranks.size > 1 else { return }
        var stop: [UInt8] = [0]
        try ranks.broadcast(&stop)
    }

    /// Rank 0's side of an update's start: its groups to every rank.
    func sendGroups(_ groups: [ScoredGroup]) throws {
        var bytes = ScoredGroupCodec.encode(groups)
        try ranks.broadcast(&bytes)
    }

    private func receiveGroups() throws -> [ScoredGroup]? {
        var bytes: [UInt8] = []
        try ranks.broadcast(&bytes)
        return try ScoredGroupCodec.decode(bytes)
    }

    private func broadcastWeights() throws {
        let buffers = [policy.params] + (reference.map { [$0.params] } ?? []) + [optimizer.m, optimizer.v]
            + (valueHead.map { [$0.params, $0.optimizer.m, $0.optimizer.v] } ?? [])
        for b in buffers { try ranks.broadcast(b.pointer, count: b.count) }
    }

    /// Every `settings.rankCheckEvery` updates: the ranks' parameters must be bit for bit the same, or the
    /// run stops naming the first rank that differs from rank 0.
    func checkRanksAgree() throws {
        let every = settings.rankCheckEvery
        guard ranks.size > 1, every > 0, updates % every == 0 else { return }
        let sums = try ranks.gather(Self.checksum(policy.params))
        if let bad = sums.indices.first(where: { sums[$0] != sums[0] }) {
            throw RankDisagreement(rank: bad, update: updates, checksums: sums)
        }
    }

    /// FNV-1a over the floats' bits: equal exactly when the parameters are.
    public static func checksum(_ b: FloatBuffer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        UnsafeRawPointer(b.pointer).withMemoryRebound(to: UInt32.self, capacity: b.count) { words in
            for i in 0..<b.count { h = (h ^ UInt64(words[i])) &* 0x100_0000_01b3 }
        }
        return h
    }
}

/// The ranks' parameters have drifted apart: their updates no longer agree.
public struct RankDisagreement: Error, CustomStringConvertible {
    public var rank: Int, update: Int, checksums: [UInt64]
    public var description: String {
        "learner rank \(rank)'s parameters differ from rank 0's after update \(update) (checksums "
            + checksums.map { String($0, radix: 16) }.joined(separator: ", ") + "): the ranks run different binaries or BLAS kernels; "
            + "run every rank on the same build and OPENBLAS_CORETYPE"
    }
}

/// What a rank needs besides the weights to update exactly as rank 0 does.
private struct RankHeader: Codable {
    var model: GPTConfig
    var rl: RLConfig
    var settings: UpdaterSettings
    var updates: Int, optimizerStep: Int
    var valueHeadStarted: Bool?, valueHeadStep: Int?

    init(of u: PolicyUpdater, model: GPTConfig) {
        self.model = model; rl = u.config; settings = u.settings
        updates = u.updates; optimizerStep = u.optimizer.step
        valueHeadStarted = u.valueHead?.started; valueHeadStep = u.valueHead?.optimizer.step
    }

    func apply(to u: PolicyUpdater) {
        u.restore(updates: updates)
        u.optimizer.step = optimizerStep
        if let head = u.valueHead {
            head.started = valueHeadStarted ?? false
            head.optimizer.step = valueHeadStep ?? 0
        }
    }
}

private extension JSONEncoder {
    static var ranks: JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
}

private extension JSONDecoder {
    static var ranks: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}

/// Scored groups as bytes for the ranks (only what an update reads: the tokens, the log-probs,
/// the rewards), in the wire's field encoding. A leading 0 is "stop", 1 "update on these".
enum ScoredGroupCodec {
    static func encode(_ groups: [ScoredGroup]) -> [UInt8] {
        var w = ByteWriter(capacity: 1 << 16)
        w.u8(1)
        w.count(groups.count)
        for g in groups {
            w.tokens(g.prompt); w.u64(UInt64(g.policyVersion)); w.count(g.completions.count)
            for (c, s) in zip(g.completions, g.scores) {
                w.tokens(c.tokens); w.floats(c.logprobs)
                w.u8((c.stopped ? 1 : 0) | (s.correct ? 2 : 0) | (s.wellFormed ? 4 : 0) | (c.referenceLogprobs != nil ? 8 : 0))
                if let r = c.referenceLogprobs { w.floats(r) }
                w.f32(s.reward)
            }
        }
        return w.finish()
    }

    /// nil for "stop".
    static func decode(_ bytes: [UInt8]) throws -> [ScoredGroup]? {
        try bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            guard try r.u8("kind") == 1 else { return nil }
            let groups = try (0..<r.count("groups")).map { _ -> ScoredGroup in
                let prompt = try r.tokens("prompt"), version = Int(try r.u64("version"))
                var completions: [Completion] = [], scores: [Score] = []
                for _ in 0..<(try r.count("completions")) {
                    let tokens = try r.tokens("tokens"), logprobs = try r.floats("logprobs"), flags = try r.u8("flags")
                    let reference = flags & 8 != 0 ? try r.floats("reference log-probs") : nil
                    let reward = try r.f32("reward")
                    completions.append(Completion(tokens: tokens, logprobs: logprobs, stopped: flags & 1 != 0, referenceLogprobs: reference))
                    scores.append(Score(reward: reward, correct: flags & 2 != 0, wellFormed: flags & 4 != 0, extracted: nil))
                }
                return ScoredGroup(prompt: prompt, completions: completions, scores: scores, policyVersion: version)
            }
            return groups
        }
    }
}
