import Foundation
import Trainer

/// The learner's security state, as a value: the allow-list gate (with CURVE), who is locked
/// out, each actor's forged groups and the counts the summary reports. The broker does the
/// sending and the logging (Broker+Security.swift).
struct Door {
    /// The allow-list (nil: a plain-text run, where nothing can be proved).
    var gate: Gatekeeper?
    private(set) var lockOuts = LockOuts()
    var counts = SecurityCounts()
    private var forgeries: [String: Int] = [:]
    private var allowListRead = Date.distantPast

    init(allowed: [String: String]?) { gate = allowed.map { Gatekeeper(allowed: $0) } }

    /// Whether a CURVE handshake with `key` may complete, and why not.
    func admit(key: String?) -> (allow: Bool, reason: String) {
        gate?.admit(key: key, lockOuts: lockOuts) ?? (true, "")
    }

    /// The allow-list's keys that may connect now (every relay admits them all).
    var admitted: [String]? { gate.map { g in g.allowed.keys.filter { g.admit(key: $0, lockOuts: lockOuts).allow }.sorted() } }

    /// Whether the allow-list may be read from disk again: at most once a second, so that a
    /// stranger knocking in a loop cannot make us read a file per knock.
    mutating func mayRereadAllowList(now: Date) -> Bool {
        guard gate != nil, now.timeIntervalSince(allowListRead) > 1 else { return false }
        allowListRead = now
        return true
    }

    /// Refuses a worker for good: its id here, its key at the door.
    mutating func lockOut(_ id: String, key: String?, why: String) { lockOuts.lockOut(id, key: key, why: why) }

    /// A group from `id` whose log-probs the learner's recompute contradicts: how many it has
    /// sent, and whether it is to be refused now (it reached `limit` and is not yet).
    mutating func forged(by id: String, limit: Int) -> (count: Int, refuse: Bool) {
        counts.forgedGroups += 1
        forgeries[id, default: 0] += 1
        let n = forgeries[id]!
        let refuse = n >= limit && lockOuts.reason(id: id) == nil
        if refuse { counts.refusedActors += 1 }
        return (n, refuse)
    }
}
