import Testing
import Wire
@testable import Worker

/// Who relays the weights to whom.
struct RelayTreeTests {
    func tree(_ fanout: Int, _ n: Int) -> RelayTree {
        var t = RelayTree(fanout: fanout)
        for i in 1...n { _ = t.join(.init(id: "a\(i)", endpoint: "tcp://10.0.0.\(i):7000", key: "key\(i)")) }
        return t
    }

    @Test func aChainServesOneActorFromTheLearnerAndEachActorTheNext() {
        let r = tree(1, 3).routes()
        #expect(r["a1"] == WeightsRoute(upstream: "", upstreamKey: "", downstreamKeys: ["key2"]))
        #expect(r["a2"] == WeightsRoute(upstream: "tcp://10.0.0.1:7000", upstreamKey: "key1", downstreamKeys: ["key3"]))
        #expect(r["a3"] == WeightsRoute(upstream: "tcp://10.0.0.2:7000", upstreamKey: "key2", downstreamKeys: []))
        #expect(tree(1, 3).description == "learner → a1; a1 → a2; a2 → a3")
    }

    @Test func aTreeOfFanoutTwo() {
        let t = tree(2, 6)
        #expect(t.description == "learner → a1, a2; a1 → a3, a4; a2 → a5, a6")
        #expect(t.routes()["a1"]?.downstreamKeys == ["key3", "key4"])
    }

    @Test func anActorThatLeavesHasTheOnesBelowItMoveUp() {
        var t = tree(1, 3)
        let left = t.leave("a2"), again = t.leave("a2")
        #expect(left && !again)
        #expect(t.routes()["a3"]?.upstream == "tcp://10.0.0.1:7000")
        let same = t.join(.init(id: "a1", endpoint: "tcp://10.0.0.1:7000", key: "key1"))
        #expect(!same, "the same relay again changes nothing")
        let moved = t.join(.init(id: "a1", endpoint: "tcp://10.0.0.1:7001", key: "key1"))
        #expect(moved, "a new port does")
    }

    @Test func theReportedEndpointGetsTheAddressTheLearnerSees() {
        #expect(RelayTree.endpoint(reported: "tcp://*:41234", peerAddress: "10.1.2.3") == "tcp://10.1.2.3:41234")
        #expect(RelayTree.endpoint(reported: "tcp://*:41234", peerAddress: "fe80::1") == "tcp://[fe80::1]:41234")
        #expect(RelayTree.endpoint(reported: "inproc://r", peerAddress: nil) == "inproc://r")
        #expect(RelayTree.endpoint(reported: "tcp://*:41234", peerAddress: nil) == nil)
        #expect(RelayTree.endpoint(reported: "tcp://evil.example:1", peerAddress: "10.1.2.3") == nil, "only the port is the actor's to say")
    }
}
