import Foundation

/// The actors the broker knows: which incarnation each is, when it was last heard, the
/// policy version it holds, and the credits it has asked for and not yet been given.
struct ActorRegistry {
    struct Entry: Equatable {
        var incarnation: UInt64
        var lastSeen: Date
        /// `.max` until it reports a version it loaded.
        var version: UInt64 = .max
        var parkedCredits = 0
        var busy = 0.0, idle = 0.0
    }

    private(set) var actors: [String: Entry] = [:]

    var count: Int { actors.count }
    func contains(_ id: String) -> Bool { actors[id] != nil }

    /// An actor said hello. True when it replaces an earlier incarnation (it restarted:
    /// whatever that one held will never arrive).
    mutating func hello(_ id: String, incarnation: UInt64, now: Date) -> Bool {
        let restarted = actors[id].map { $0.incarnation != incarnation } ?? false
        actors[id] = Entry(incarnation: incarnation, lastSeen: now)
        return restarted
    }

    /// A work request; false when the actor is unknown (it must say hello again).
    mutating func request(_ id: String, credits: Int, version: UInt64, now: Date) -> Bool {
        guard actors[id] != nil else { return false }
        actors[id]!.lastSeen = now
        actors[id]!.version = version
        actors[id]!.parkedCredits = min(max(credits, 0), 1024)
        return true
    }

    /// A heartbeat from this incarnation; false when it is not the one we know.
    mutating func heartbeat(_ id: String, incarnation: UInt64, version: UInt64, busy: Double, idle: Double, now: Date) -> Bool {
        guard actors[id]?.incarnation == incarnation else { return false }
        actors[id]!.lastSeen = now
        actors[id]!.busy = busy
        actors[id]!.idle = idle
        return true
    }

    mutating func heard(_ id: String, now: Date) { actors[id]?.lastSeen = now }

    /// Actors waiting for work that hold `version`, with their credits.
    func waiting(at version: UInt64) -> [(id: String, credits: Int)] {
        actors.filter { $0.value.parkedCredits > 0 && $0.value.version == version }
            .map { ($0.key, $0.value.parkedCredits) }.sorted { $0.id < $1.id }
    }

    mutating func served(_ id: String) { actors[id]?.parkedCredits = 0 }

    /// Actors silent for longer than `timeout`, with how long.
    func silent(now: Date, timeout: Double) -> [(id: String, seconds: Double)] {
        actors.compactMap { id, a in
            let s = now.timeIntervalSince(a.lastSeen)
            return s > timeout ? (id, s) : nil
        }.sorted { $0.id < $1.id }
    }

    mutating func remove(_ id: String) { actors[id] = nil }

    /// The actors' mean idle fraction, from their heartbeats.
    var idleFraction: Double {
        let busy = actors.values.reduce(0) { $0 + $1.busy }, idle = actors.values.reduce(0) { $0 + $1.idle }
        return busy + idle > 0 ? idle / (busy + idle) : 0
    }
}
