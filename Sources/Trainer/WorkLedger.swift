/// Counts of what happened to every group handed out; `lost` must stay 0.
public struct LedgerCounts: Codable, Sendable, Equatable {
    public var handedOut = 0
    public var received = 0
    public var scored = 0
    public var trained = 0
    public var droppedStale = 0
    public var droppedZeroVariance = 0
    /// Dropped because their behaviour log-probs did not match the learner's (prompt handed out again).
    public var droppedForged = 0
    /// Handed out again because the worker died, the verifiers gave up, or the group went stale.
    public var reissued = 0
    /// Arrivals for groups already settled (a worker presumed dead that was only slow).
    public var duplicates = 0
    public var inFlight = 0
    /// Groups handed out that are in no state at all: a bookkeeping bug if ever non-zero.
    public var lost = 0
    /// New prompts the curriculum passed over before handing any out (not groups; never lost).
    public var skippedByCurriculum = 0
    public init() {}

    /// Every count defaults to 0, so a run saved before a count existed still resumes.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func n(_ k: CodingKeys) throws -> Int { try c.decodeIfPresent(Int.self, forKey: k) ?? 0 }
        (handedOut, received, scored, trained) = (try n(.handedOut), try n(.received), try n(.scored), try n(.trained))
        (droppedStale, droppedZeroVariance, droppedForged) = (try n(.droppedStale), try n(.droppedZeroVariance), try n(.droppedForged))
        (reissued, duplicates, inFlight, lost) = (try n(.reissued), try n(.duplicates), try n(.inFlight), try n(.lost))
        skippedByCurriculum = try n(.skippedByCurriculum)
    }
}

/// The learner's record of prompts and groups: which prompt each group is for, who
/// holds it, and what became of it. A prompt handed out is never dropped or repeated: a
/// group that cannot be trained on (its actor died, it went stale, nobody could score
/// it) gives its prompt back to the front of the queue. Only the curriculum passes over
/// prompts, and only before they are handed out.
public struct WorkLedger: Sendable {
    public enum State: Sendable, Equatable { case assigned(String), received, scored }

    /// Next never-used training problem index.
    public private(set) var cursor: Int
    /// Prompts to hand out before advancing the cursor.
    public private(set) var requeued: [Int] = []
    public private(set) var groups: [UInt64: (prompt: Int, state: State)] = [:]
    public private(set) var counts = LedgerCounts()
    /// Chooses which new prompts to hand out (nil: all of them, in order).
    public var curriculum: PromptCurriculum?
    private var nextGroupId: UInt64 = 1
    public let maxInFlight: Int

    /// RL draws problems past those pretraining used, so it sees fresh ones.
    public static let firstTrainProblem = 10_000_000

    /// A new run's ledger: from the first RL problem, with the curriculum `config` asks for.
    public static func fresh(config: RLConfig, maxInFlight: Int) -> WorkLedger {
        var l = WorkLedger(cursor: firstTrainProblem, maxInFlight: maxInFlight)
        l.curriculum = config.makeCurriculum()
        return l
    }

    public init(cursor: Int, pending: [Int] = [], counts: LedgerCounts = LedgerCounts(), maxInFlight: Int) {
        self.cursor = cursor
        requeued = pending
        // Groups in flight when the saved run stopped come back as `pending`: count them re-issued.
        self.counts = counts
        self.counts.reissued += counts.inFlight
        self.counts.inFlight = 0
        self.maxInFlight = maxInFlight
    }

    /// Up to `credits` new groups for `worker`, within the in-flight bound. `prompt` gives
    /// a problem index's prompt text, for the curriculum.
    public mutating func assign(to worker: String, credits: Int,
                                prompt text: (Int) -> String = { _ in "" }) -> [(groupId: UInt64, promptIndex: Int)] {
        let n = min(credits, maxInFlight - groups.count)
        guard n > 0 else { return [] }
        var out: [(UInt64, Int)] = []
        for _ in 0..<n {
            let prompt: Int
            if requeued.isEmpty {
                while let c = curriculum, !c.accepts(prompt: text(cursor), index: cursor) {
                    cursor += 1
                    counts.skippedByCurriculum += 1
                }
                prompt = cursor
                cursor += 1
            } else {
                prompt = requeued.removeFirst()
            }
            let id = nextGroupId
            nextGroupId += 1
            groups[id] = (prompt, .assigned(worker))
            counts.handedOut += 1
            out.append((id, prompt))
        }
        refresh()
        return out
    }

    /// A trajectory arrived; false (and counted) when the group is unknown or already arrived.
    public mutating func receive(_ id: UInt64) -> Bool {
        guard let g = groups[id], case .assigned = g.state else { counts.duplicates += 1; return false }
        groups[id]!.state = .received
        counts.received += 1
        return true
    }

    public mutating func score(_ id: UInt64) -> Bool {
        guard let g = groups[id], g.state == .received else { counts.duplicates += 1; return false }
        groups[id]!.state = .scored
        counts.scored += 1
        return true
    }

    /// Scored, and the curriculum learns from it: `correct` of `total` samples of `text` were right.
    public mutating func score(_ id: UInt64, correct: Int, total: Int, prompt text: String) -> Bool {
        guard score(id) else { return false }
        curriculum?.record(prompt: text, correct: correct, total: total)
        return true
    }

    public func prompt(of id: UInt64) -> Int? { groups[id]?.prompt }

    public mutating func trained(_ id: UInt64) { settle(id) { $0.trained += 1 } }
    public mutating func droppedZeroVariance(_ id: UInt64) { settle(id) { $0.droppedZeroVariance += 1 } }

    /// Too stale to train on: counted, and its prompt goes back in the queue.
    public mutating func droppedStale(_ id: UInt64) {
        guard let p = groups[id]?.prompt else { return }
        settle(id) { $0.droppedStale += 1 }
        requeue(p)
    }

    /// Its log-probs were forged: counted, and its prompt goes to an honest actor.
    public mutating func droppedForged(_ id: UInt64) {
        guard let p = groups[id]?.prompt else { return }
        settle(id) { $0.droppedForged += 1 }
        requeue(p)
    }

    /// The worker a group was handed to, while it has not arrived.
    public func holder(of id: UInt64) -> String? {
        if case .assigned(let w)? = groups[id]?.state { return w }
        return nil
    }

    /// The group will not arrive or cannot be scored: hand its prompt out again.
    public mutating func reissue(_ id: UInt64) {
        guard let p = groups[id]?.prompt else { return }
        settle(id) { $0.reissued += 1 }
        requeue(p)
    }

    /// Every group a worker holds and has not delivered (it died or restarted).
    public func held(by worker: String) -> [UInt64] {
        groups.filter { $0.value.state == .assigned(worker) }.map(\.key).sorted()
    }

    /// Prompts not yet settled, in hand-out order: what a resumed run must hand out first.
    public var pendingPrompts: [Int] { groups.sorted { $0.key < $1.key }.map(\.value.prompt) + requeued }

    private mutating func settle(_ id: UInt64, _ count: (inout LedgerCounts) -> Void) {
        guard groups.removeValue(forKey: id) != nil else { return }
        count(&counts)
        refresh()
    }

    private mutating func requeue(_ prompt: Int) {
        requeued.append(prompt)
    }

    private mutating func refresh() {
        counts.inFlight = groups.count
        let settled = counts.trained + counts.droppedStale + counts.droppedZeroVariance + counts.droppedForged + counts.reissued
        counts.lost = counts.handedOut - settled - counts.inFlight
    }
}
