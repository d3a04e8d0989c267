import Foundation

/// Score requests and the verifiers that answer them: the queue, who holds which request
/// until when, and how often each was tried. A request is in exactly one place — the
/// queue or `outstanding` — and a verifier's load is read off `outstanding`, never kept
/// beside it.
struct VerifierPool<Request> {
    struct Pending {
        var groupId: UInt64
        var request: Request
        var attempts = 0
    }
    struct Outstanding {
        var pending: Pending
        var verifier: String
        var deadline: Date
    }
    struct Member: Equatable {
        var incarnation: UInt64
        var lastSeen: Date
    }

    /// Requests one verifier may hold at once.
    let credits: Int
    /// Attempts before a group is given up on (and its prompt handed out again).
    let attempts: Int
    let timeout: Double
    private(set) var members: [String: Member] = [:]
    private(set) var queue: [Pending] = []
    private(set) var outstanding: [UInt64: Outstanding] = [:]

    init(credits: Int, attempts: Int, timeout: Double) {
        self.credits = credits
        self.attempts = attempts
        self.timeout = timeout
    }

    var count: Int { members.count }
    func contains(_ id: String) -> Bool { members[id] != nil }
    func load(of id: String) -> Int { outstanding.values.filter { $0.verifier == id }.count }

    /// A verifier said hello; a new incarnation's predecessor will answer nothing it held,
    /// so that goes back to the front of the queue.
    mutating func hello(_ id: String, incarnation: UInt64, now: Date) {
        if let old = members[id], old.incarnation != incarnation { requeue(heldBy: id) }
        members[id] = Member(incarnation: incarnation, lastSeen: now)
    }

    mutating func heard(_ id: String, incarnation: UInt64? = nil, now: Date) {
        guard let m = members[id], incarnation == nil || m.incarnation == incarnation else { return }
        members[id]!.lastSeen = now
    }

    mutating func enqueue(_ groupId: UInt64, _ request: Request) { queue.append(Pending(groupId: groupId, request: request)) }

    /// The next request and the verifier to send it to (the least loaded with free credit),
    /// recorded as outstanding; nil when the queue is empty or every verifier is full.
    mutating func next(now: Date) -> (verifier: String, pending: Pending)? {
        guard !queue.isEmpty else { return nil }
        let loads = members.keys.map { ($0, load(of: $0)) }.filter { $0.1 < credits }
        guard let target = loads.min(by: { ($0.1, $0.0) < ($1.1, $1.0) })?.0 else { return nil }
        var p = queue.removeFirst()
        p.attempts += 1
        outstanding[p.groupId] = Outstanding(pending: p, verifier: target, deadline: now.addingTimeInterval(timeout))
        return (target, p)
    }

    /// The next request, for scoring in this process (a run without a verifier pool).
    mutating func takeQueued() -> Pending? { queue.isEmpty ? nil : queue.removeFirst() }

    /// The send failed: the request goes back to the front, the attempt uncounted.
    mutating func unsent(_ groupId: UInt64) {
        guard var o = outstanding.removeValue(forKey: groupId) else { return }
        o.pending.attempts -= 1
        queue.insert(o.pending, at: 0)
    }

    /// An answer; nil when the request is not outstanding (answered after a retry elsewhere).
    mutating func answered(_ groupId: UInt64, by id: String, now: Date) -> Pending? {
        heard(id, now: now)
        return outstanding.removeValue(forKey: groupId)?.pending
    }

    /// Requests past their deadline, taken out of `outstanding`.
    mutating func expired(now: Date) -> [Outstanding] {
        let late = outstanding.values.filter { $0.deadline < now }.sorted { $0.pending.groupId < $1.pending.groupId }
        for o in late { outstanding[o.pending.groupId] = nil }
        return late
    }

    /// Tries a request again (at the front); false when it has had all its attempts.
    mutating func retry(_ p: Pending) -> Bool {
        guard p.attempts < attempts else { return false }
        queue.insert(p, at: 0)
        return true
    }

    /// Verifiers silent for longer than `timeout`: removed, what they held back in the queue.
    mutating func silent(now: Date, timeout: Double) -> [(id: String, seconds: Double, held: Int)] {
        var out: [(String, Double, Int)] = []
        for (id, m) in members.sorted(by: { $0.key < $1.key }) where now.timeIntervalSince(m.lastSeen) > timeout {
            out.append((id, now.timeIntervalSince(m.lastSeen), remove(id)))
        }
        return out
    }

    /// Takes a verifier out (silent or quarantined); what it held goes back to the front of the queue.
    mutating func remove(_ id: String) -> Int {
        members[id] = nil
        return requeue(heldBy: id)
    }

    @discardableResult
    private mutating func requeue(heldBy id: String) -> Int {
        let held = outstanding.values.filter { $0.verifier == id }.sorted { $0.pending.groupId < $1.pending.groupId }
        for o in held.reversed() {
            outstanding[o.pending.groupId] = nil
            queue.insert(o.pending, at: 0)
        }
        return held.count
    }
}
