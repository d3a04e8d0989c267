import Testing
@testable import Trainer

@Suite("WorkLedger")
struct WorkLedgerTests {
    @Test func assignsWithinTheInFlightBound() {
        var l = WorkLedger(cursor: 100, maxInFlight: 5)
        let a = l.assign(to: "a", credits: 3)
        let b = l.assign(to: "b", credits: 3)
        #expect(a.map(\.promptIndex) == [100, 101, 102])
        #expect(b.map(\.promptIndex) == [103, 104])
        let none = l.assign(to: "c", credits: 1)
        #expect(none.isEmpty)
        #expect(l.counts.inFlight == 5 && l.counts.lost == 0)
    }

    @Test func everyGroupEndsInExactlyOneState() {
        var l = WorkLedger(cursor: 0, maxInFlight: 10)
        let g = l.assign(to: "a", credits: 4).map(\.groupId)
        for id in g {
            let received = l.receive(id), scored = l.score(id)
            #expect(received && scored)
        }
        let again = l.receive(g[0])
        #expect(!again, "a second arrival is a duplicate")
        l.trained(g[0]); l.droppedZeroVariance(g[1]); l.droppedStale(g[2]); l.reissue(g[3])
        let c = l.counts
        #expect(c.handedOut == 4 && c.trained == 1 && c.droppedZeroVariance == 1 && c.droppedStale == 1 && c.reissued == 1)
        #expect(c.duplicates == 1 && c.inFlight == 0 && c.lost == 0)
        // Stale and re-issued prompts come back before new ones.
        let next = l.assign(to: "b", credits: 3).map(\.promptIndex)
        #expect(next == [2, 3, 4])
    }

    @Test func aDeadWorkersGroupsAreHandedOutAgain() {
        var l = WorkLedger(cursor: 0, maxInFlight: 10)
        _ = l.assign(to: "a", credits: 2)
        let mine = l.assign(to: "b", credits: 2)
        let received = l.receive(mine[0].groupId)
        #expect(received)
        let held = l.held(by: "b")
        #expect(held == [mine[1].groupId], "only what it has not delivered")
        for id in held { l.reissue(id) }
        let again = l.assign(to: "a", credits: 1).map(\.promptIndex)
        #expect(again == [mine[1].promptIndex])
        #expect(l.counts.lost == 0)
    }

    @Test func resumeHandsOutPendingPromptsFirstAndKeepsCounts() {
        var l = WorkLedger(cursor: 0, maxInFlight: 10)
        let g = l.assign(to: "a", credits: 4)
        l.trained(g[0].groupId)
        l.droppedStale(g[1].groupId)
        let pending = l.pendingPrompts
        #expect(pending == [2, 3, 1])
        var r = WorkLedger(cursor: l.cursor, pending: pending, counts: l.counts, maxInFlight: 10)
        #expect(r.counts.lost == 0)
        let resumed = r.assign(to: "a", credits: 4).map(\.promptIndex)
        #expect(resumed == [2, 3, 1, 4], "nothing skipped, nothing repeated")
        #expect(r.counts.lost == 0)
    }

    @Test func theCurriculumPassesOverFlatShapesBeforeHandingOut() {
        var l = WorkLedger(cursor: 0, maxInFlight: 100)
        var c = PromptCurriculum(floor: 0.1, groupSize: 8, seed: 1)
        for _ in 0..<30 { c.record(prompt: "1+1=", correct: 0, total: 8) }  // even indices: never solved
        l.curriculum = c
        let text: (Int) -> String = { $0 % 2 == 0 ? "\($0 % 10)+1=" : "\($0 % 10)*1=" }
        let given = l.assign(to: "a", credits: 50, prompt: text).map(\.promptIndex)
        let flat = given.filter { $0 % 2 == 0 }.count
        #expect(given.count == 50 && flat < 15, "flat shapes at about the floor rate, got \(flat) of 50")
        #expect(Set(given).count == 50 && given == given.sorted(), "in order, none twice")
        #expect(l.counts.skippedByCurriculum == l.cursor - 50 && l.counts.lost == 0)
    }
}
