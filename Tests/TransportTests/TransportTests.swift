import Foundation
import Testing
import Transport
import Wire

@Suite("Transport")
struct TransportTests {
    let context = ZMQContext()

    @Test func pushPullCarriesMessagesOverLoopback() throws {
        let pull = try ZMQSocket(context, .pull)
        try pull.bind("tcp://127.0.0.1:0")
        let push = try ZMQSocket(context, .push)
        try push.connect(pull.endpoint)
        let m = Message.shutdown(Shutdown(reason: "test"))
        try push.send(m.encoded())
        let got = try #require(try pull.receive(timeout: 5))
        #expect(got.count == 1)
        #expect(try Message.decode(got[0]) == m)
    }

    /// Large parts go to ZeroMQ without a copy (the sender's array is kept alive until sent)
    /// and come back read in place: many in a row, over TCP and inproc, arrive intact.
    @Test func largeMessagesTravelWithoutACopyAndArriveIntact() throws {
        for endpoint in ["tcp://127.0.0.1:0", "inproc://zero-copy-test"] {
            let pull = try ZMQSocket(context, .pull)
            try pull.bind(endpoint)
            let push = try ZMQSocket(context, .push)
            try push.connect(pull.endpoint)
            let weights = (0..<8).map { i in
                Message.weights(Weights(version: UInt64(i), params: (0..<50_000).map { Float($0 &* (i + 1)) }))
            }
            for w in weights { try push.send(w.encoded()) }  // each array is released here: ZeroMQ must hold its own reference
            for w in weights {
                let frame = try #require(try pull.receiveFrame(timeout: 5), "\(endpoint)")
                #expect(frame.bytes.count > 200_000)
                #expect(try Message.decode(frame.bytes) == w, "\(endpoint)")
            }
        }
    }

    @Test func routerRepliesToTheDealerThatAsked() throws {
        let router = try ZMQSocket(context, .router)
        try router.bind("tcp://127.0.0.1:0")
        let dealers = try (0..<2).map { i -> ZMQSocket in
            let d = try ZMQSocket(context, .dealer)
            try d.setIdentity("d\(i)")
            try d.connect(router.endpoint)
            return d
        }
        for (i, d) in dealers.enumerated() { try d.send(Array("ping \(i)".utf8)) }
        for _ in 0..<2 {
            let frames = try #require(try router.receive(timeout: 5))
            #expect(frames.count == 2)
            try router.send([frames[0], Array("pong to ".utf8) + frames[1]])
        }
        for (i, d) in dealers.enumerated() {
            let reply = try #require(try d.receive(timeout: 5))
            #expect(String(decoding: reply[0], as: UTF8.self) == "pong to ping \(i)")
        }
    }

    @Test func receiveTimesOutWithNil() throws {
        let pull = try ZMQSocket(context, .pull)
        try pull.bind("tcp://127.0.0.1:0")
        #expect(try pull.receive(timeout: 0.05) == nil)
        #expect(try pull.receive(timeout: 0) == nil)
    }

    @Test func bindingABadEndpointSaysWhy() throws {
        let s = try ZMQSocket(context, .pull)
        #expect(throws: ZMQError.self) { try s.bind("tcp://nonsense") }
    }

    @Test func oversizedMessagesAreDroppedByTheSocket() throws {
        let pull = try ZMQSocket(context, .pull)
        try pull.limitMessageSize(1000)
        try pull.bind("tcp://127.0.0.1:0")
        let big = try ZMQSocket(context, .push)
        try big.connect(pull.endpoint)
        try big.send([UInt8](repeating: 1, count: 5000))
        let small = try ZMQSocket(context, .push)
        try small.connect(pull.endpoint)
        try small.send([1, 2, 3])
        // The oversized sender is disconnected; the small message still arrives.
        let got = try #require(try pull.receive(timeout: 5))
        #expect(got == [[1, 2, 3]])
    }
}
