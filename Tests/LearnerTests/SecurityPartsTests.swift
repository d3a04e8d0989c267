import Foundation
import Testing
@testable import Learner

/// The broker's door as plain values: which hello may take an id, which key gets in.
@Suite("PeerDirectory and Gatekeeper")
struct SecurityPartsTests {
    @Test func anIdBelongsToItsKeyWhileLive() {
        var d = PeerDirectory()
        #expect(d.hello(route: [1], workerId: "actor-1", key: "K1", live: false) == .accepted)
        // Another key claiming the live id is refused; the first holder keeps its route.
        if case .refused(let why) = d.hello(route: [2], workerId: "actor-1", key: "K2", live: true) {
            #expect(why.contains("live under another key"))
        } else { Issue.record("a live id taken by another key") }
        #expect(d.route(of: "actor-1") == [1] && d.peer(at: [2]) == nil)
        // The same key from a new connection is a restart or reconnect: it takes the id over.
        #expect(d.hello(route: [3], workerId: "actor-1", key: "K1", live: true) == .accepted)
        #expect(d.route(of: "actor-1") == [3] && d.peer(at: [1]) == nil && d.count == 1)
        // Once the holder has gone silent, another key may have the id.
        #expect(d.hello(route: [4], workerId: "actor-1", key: "K2", live: false) == .accepted)
        #expect(d.key(of: "actor-1") == "K2")
    }

    @Test func withoutKeysEveryHelloTakesOver() {
        var d = PeerDirectory()
        #expect(d.hello(route: [1], workerId: "v", key: nil, live: false) == .accepted)
        #expect(d.hello(route: [2], workerId: "v", key: nil, live: true) == .accepted)
        #expect(d.route(of: "v") == [2])
    }

    @Test func aConnectionThatRenamesItselfLeavesNoStaleRoute() {
        var d = PeerDirectory()
        _ = d.hello(route: [1], workerId: "a", key: nil, live: false)
        _ = d.hello(route: [1], workerId: "b", key: nil, live: false)
        #expect(d.route(of: "a") == nil && d.peer(at: [1])?.workerId == "b")
        d.remove("b")
        #expect(d.count == 0 && d.peer(at: [1]) == nil)
    }

    @Test func theGateLetsInAllowedKeysNotLockedOut() {
        let g = Gatekeeper(allowed: ["KEY-A": "actor-1", "KEY-C": "actor-3"])
        var l = LockOuts()
        #expect(g.admit(key: "KEY-A", lockOuts: l).allow)
        #expect(!g.admit(key: "KEY-B", lockOuts: l).allow && g.admit(key: "KEY-B", lockOuts: l).reason.contains("not in allowed_workers"))
        #expect(!g.admit(key: nil, lockOuts: l).allow)
        l.lockOut("actor-1", key: "KEY-A", why: "lied")
        #expect(!g.admit(key: "KEY-A", lockOuts: l).allow && g.admit(key: "KEY-A", lockOuts: l).reason.contains("locked out: lied"))
        #expect(g.admit(key: "KEY-C", lockOuts: l).allow)
        #expect(g.name(of: "KEY-A") == "actor-1" && g.name(of: "nope") == "?")
    }

    /// One record per worker, found by its id and by the key it proved.
    @Test func aLockOutIsOneRecordFoundByIdAndByKey() {
        var l = LockOuts()
        l.lockOut("verifier-2", key: nil, why: "scores disagree")  // no CURVE: the id alone
        l.lockOut("actor-1", key: "KEY-A", why: "forged log-probs")
        #expect(l.reason(id: "verifier-2") == "scores disagree" && l.reason(id: "actor-1") == "forged log-probs")
        #expect(l.reason(key: "KEY-A") == "forged log-probs")
        #expect(l.reason(id: "actor-2") == nil && l.reason(key: "KEY-B") == nil)
    }

    /// The door as a value: forgeries counted per actor, the refusal said once at the limit;
    /// the allow-list read again at most once a second, and only with CURVE.
    @Test func theDoorCountsForgeriesRefusesOnceAndPacesRereads() {
        var d = Door(allowed: ["KEY-A": "actor-1"])
        let marks = (1...4).map { _ in d.forged(by: "actor-1", limit: 3) }
        #expect(marks.map(\.count) == [1, 2, 3, 4])
        #expect(marks.map(\.refuse) == [false, false, true, true], "not locked out yet: the broker locks it out on the first")
        d.lockOut("actor-1", key: "KEY-A", why: "forged")
        #expect(!d.forged(by: "actor-1", limit: 3).refuse && !d.admit(key: "KEY-A").allow)
        #expect(d.counts.forgedGroups == 5 && d.counts.refusedActors == 2)
        #expect(d.admitted == [], "a locked-out key is admitted by no relay")
        let t0 = Date()
        let reads = [d.mayRereadAllowList(now: t0), d.mayRereadAllowList(now: t0.addingTimeInterval(0.5)),
                     d.mayRereadAllowList(now: t0.addingTimeInterval(1.6))]
        #expect(reads == [true, false, true])
        var plain = Door(allowed: nil)
        let plainRead = plain.mayRereadAllowList(now: t0)
        #expect(!plainRead && plain.admit(key: nil).allow, "without CURVE there is no list and nothing to prove")
    }
}

