import Foundation
import Testing
@testable import Learner

@Suite("ActorRegistry")
struct ActorRegistryTests {
    let t0 = Date(timeIntervalSince1970: 1000)

    @Test func helloRequestAndRestart() {
        var r = ActorRegistry()
        let unknown = r.request("a", credits: 4, version: 0, now: t0)
        #expect(!unknown, "an actor that never said hello must say it")
        let first = r.hello("a", incarnation: 1, now: t0)
        let known = r.request("a", credits: 4, version: 0, now: t0)
        #expect(!first && known)
        #expect(r.waiting(at: 0).map(\.credits) == [4] && r.waiting(at: 1).isEmpty, "only actors at the current version get work")
        r.served("a")
        #expect(r.waiting(at: 0).isEmpty)
        let restarted = r.hello("a", incarnation: 2, now: t0)
        #expect(restarted, "a new incarnation: the old one's groups are lost")
        let oldBeat = r.heartbeat("a", incarnation: 1, version: 0, busy: 1, idle: 1, now: t0)
        #expect(!oldBeat, "a beat from the old incarnation is ignored")
    }

    @Test func silenceAndIdleFraction() {
        var r = ActorRegistry()
        _ = r.hello("a", incarnation: 1, now: t0)
        _ = r.hello("b", incarnation: 1, now: t0)
        _ = r.heartbeat("a", incarnation: 1, version: 0, busy: 3, idle: 1, now: t0.addingTimeInterval(3))
        _ = r.heartbeat("b", incarnation: 1, version: 0, busy: 1, idle: 3, now: t0)
        #expect(r.silent(now: t0.addingTimeInterval(4), timeout: 2).map(\.id) == ["b"])
        #expect(abs(r.idleFraction - 0.5) < 1e-12)
        r.remove("b")
        #expect(r.count == 1 && abs(r.idleFraction - 0.25) < 1e-12)
    }
}

@Suite("VerifierPool")
struct VerifierPoolTests {
    let t0 = Date(timeIntervalSince1970: 1000)

    @Test func requestsGoToTheLeastLoadedWithinCredits() {
        var p = VerifierPool<String>(credits: 2, attempts: 3, timeout: 5)
        let none = p.next(now: t0)
        #expect(none == nil)
        p.hello("v1", incarnation: 1, now: t0)
        p.hello("v2", incarnation: 1, now: t0)
        for g in 1...5 { p.enqueue(UInt64(g), "r\(g)") }
        var sent: [String] = []
        while let (v, _) = p.next(now: t0) { sent.append(v) }
        #expect(sent.sorted() == ["v1", "v1", "v2", "v2"], "two credits each, alternating by load")
        #expect(p.queue.count == 1 && p.load(of: "v1") == 2 && p.load(of: "v2") == 2)
        let first = p.outstanding.keys.min()!
        let answer = p.answered(first, by: "v1", now: t0), again = p.answered(first, by: "v1", now: t0)
        #expect(answer != nil)
        #expect(again == nil, "a second answer (after a retry elsewhere) is ignored")
    }

    @Test func deadlinesRetriesAndGivingUp() {
        var p = VerifierPool<String>(credits: 4, attempts: 2, timeout: 1)
        p.hello("v", incarnation: 1, now: t0)
        p.enqueue(7, "r")
        _ = p.next(now: t0)
        let early = p.expired(now: t0.addingTimeInterval(0.5))
        #expect(early.isEmpty)
        let late = p.expired(now: t0.addingTimeInterval(2))
        #expect(late.map(\.pending.groupId) == [7] && p.outstanding.isEmpty)
        let retried = p.retry(late[0].pending)
        #expect(retried, "attempt 1 of 2: tried again")
        let (_, second) = p.next(now: t0.addingTimeInterval(2))!
        #expect(second.attempts == 2)
        let retriedAgain = p.retry(second)
        #expect(!retriedAgain, "out of attempts: the caller hands the prompt out again")
    }

    @Test func aRestartedOrSilentVerifiersRequestsGoBackToTheQueue() {
        var p = VerifierPool<String>(credits: 4, attempts: 3, timeout: 10)
        p.hello("v", incarnation: 1, now: t0)
        p.hello("w", incarnation: 1, now: t0)
        for g in 1...4 { p.enqueue(UInt64(g), "r") }
        while p.next(now: t0) != nil {}
        let heldByV = p.load(of: "v")
        p.hello("v", incarnation: 2, now: t0)
        #expect(p.queue.count == heldByV && p.load(of: "v") == 0, "the new incarnation answers nothing the old one held")
        p.heard("v", now: t0.addingTimeInterval(5))
        let gone = p.silent(now: t0.addingTimeInterval(6), timeout: 3)
        #expect(gone.map(\.id) == ["w"] && gone[0].held == 4 - heldByV)
        #expect(p.queue.count == 4 && p.outstanding.isEmpty && !p.contains("w"))
    }

    @Test func aFailedSendDoesNotCountAsAnAttempt() {
        var p = VerifierPool<String>(credits: 4, attempts: 1, timeout: 10)
        p.hello("v", incarnation: 1, now: t0)
        p.enqueue(1, "r")
        _ = p.next(now: t0)
        p.unsent(1)
        #expect(p.queue.first?.attempts == 0 && p.outstanding.isEmpty)
    }
}

@Suite("WeightsBoard")
struct WeightsBoardTests {
    /// The weights port's board: nothing goes again unless a worker lacks it, at most one
    /// publication per gap, and with both wanted the one sent longer ago first.
    @Test func theBoardRepublishesWhatWorkersLackPacedAndInTurn() {
        var b = WeightsBoard()
        let t0 = Date()
        var got: [WeightsBoard.Publication?] = []
        b.wantWeights()
        got.append(b.republish(now: t0))  // nothing to publish yet
        b.newWeights(version: 3, bytes: [3], now: t0)
        got.append(b.republish(now: t0.addingTimeInterval(0.1)))  // within the gap of the new version's own publication
        got.append(b.republish(now: t0.addingTimeInterval(0.3)))  // the joined worker's copy
        got.append(b.republish(now: t0.addingTimeInterval(0.6)))  // no one lacks it any more
        #expect(got == [nil, nil, .weights(version: 3, bytes: [3]), nil])
        #expect(b.version == 3)

        b.newReference([9], now: t0.addingTimeInterval(1))
        var t = t0.addingTimeInterval(2)
        var order: [WeightsBoard.Publication?] = []
        for _ in 0..<3 {
            b.wantWeights(); b.wantReference()
            order.append(b.republish(now: t))
            t.addTimeInterval(0.3)
            order.append(b.republish(now: t))
            t.addTimeInterval(0.3)
        }
        // The reference was last sent before the weights' copy: it goes first, then they alternate.
        #expect(order == [.reference([9]), .weights(version: 3, bytes: [3]), .reference([9]), .weights(version: 3, bytes: [3]),
                          .reference([9]), .weights(version: 3, bytes: [3])])
    }
}

@Suite("RelayRoutes")
struct RelayRoutesTests {
    let t0 = Date(timeIntervalSince1970: 1000)

    /// Each actor is sent its route once, again when the tree changes under it, when a send
    /// failed, or when it stays behind 2 s after its route went; never to one that left.
    @Test func routesGoOutOnceAndAgainWhenTheyChangeFailOrGoUnheeded() {
        var r = RelayRoutes(fanout: 1)
        #expect(!r.changed)
        let joined = [r.join(.init(id: "a", endpoint: "tcp://a:1", key: nil)), r.join(.init(id: "b", endpoint: "tcp://b:1", key: nil)),
                      r.join(.init(id: "a", endpoint: "tcp://a:1", key: nil))]
        #expect(joined == [true, true, false], "a third time: already in the tree")
        #expect(r.changed)
        var (due, tree) = r.due(members: ["KA", "KB"])
        #expect(due.map(\.id) == ["a", "b"] && tree != nil && !r.changed)
        #expect(due.allSatisfy { $0.route.downstreamKeys == ["KA", "KB"] }, "every relay admits every allowed key")
        let b = due[1]
        #expect(b.route.upstream == "tcp://a:1", "a chain: b below a")
        r.delivered("a", due[0].route, true, now: t0)
        r.delivered("b", b.route, false, now: t0)  // could not be sent now
        #expect(r.changed)
        (due, tree) = r.due(members: ["KA", "KB"])
        #expect(due.map(\.id) == ["b"] && tree == nil, "only the one not delivered; the tree is the same")
        r.delivered("b", due[0].route, true, now: t0)
        r.behind("b", now: t0.addingTimeInterval(1))
        #expect(!r.changed, "its route went a second ago")
        r.behind("b", now: t0.addingTimeInterval(3))
        (due, _) = r.due(members: ["KA", "KB"])
        #expect(due.map(\.id) == ["b"], "behind 2 s after its route went: sent again")
        r.delivered("b", due[0].route, true, now: t0.addingTimeInterval(3))
        r.leave("a")
        (due, tree) = r.due(members: ["KA", "KB"])
        #expect(due.map(\.id) == ["b"] && due[0].route.upstream.isEmpty && tree != nil, "b now hangs from the learner")
    }
}

