import Foundation
import Transport
import Wire

/// Weight broadcast latency: the learner's PUB socket to K subscribers over tcp loopback.
/// Subscribers are threads of this process, each with its own SUB socket, TCP connection and
/// ZeroMQ context (an actor is a process of its own: one shared context would put every
/// subscriber's receiving on the publisher's one I/O thread), which decode the message as an
/// actor does.
public enum BroadcastBenchmark {
    public struct Result: Codable, Sendable {
        public var model: String
        /// CurveZMQ on the publisher and every subscriber (the cluster's default).
        public var curve: Bool
        public var parameters: Int
        public var subscribers: Int
        public var messageBytes: Int
        /// Milliseconds from encoding on the publisher until every subscriber has received and decoded, per round.
        public var milliseconds: Stats
        /// Of which encoding on the publisher (payload, CRC-32C, header), per round.
        public var encodeMilliseconds: Stats
    }

    /// Publishes `rounds` weight messages of `params` to `subscribers` subscriber threads.
    public static func run(model: String, params: [Float], subscribers: Int, rounds: Int,
                           curve: Bool = false) throws -> Result {
        guard subscribers >= 1, rounds >= 1, !params.isEmpty else { throw BenchError.invalid("broadcast needs parameters, subscribers and rounds ≥ 1") }
        let context = ZMQContext()
        let security = try CurveSetup(context, curve: curve)
        defer { security.stop() }
        return try withExtendedLifetime(context) {
            try measure(context, model: model, params: params, subscribers: subscribers, rounds: rounds,
                        security: security)
        }
    }

    private static func measure(_ context: ZMQContext, model: String, params: [Float],
                                subscribers k: Int, rounds: Int, security: CurveSetup) throws -> Result {
        let pub = try ZMQSocket(context, .pub, security: security.server)
        // The broker's marks (a receive mark of 1 loses CURVE subscriptions in libzmq 4.3.4).
        try pub.setHighWaterMarks(send: 4, receive: 4)
        try pub.bind("tcp://127.0.0.1:0")
        let board = BroadcastBoard(subscribers: k)
        let contexts = (0..<k).map { _ in ZMQContext() }
        defer { withExtendedLifetime(contexts) {} }  // terminated after the subscribers have closed their sockets
        for i in 0..<k {
            let sub = try ZMQSocket(contexts[i], .sub, security: security.client)
            try sub.setHighWaterMarks(send: 1, receive: 4)
            try sub.subscribeAll()
            try sub.connect(pub.endpoint)
            board.startSubscriber(i, sub)
        }
        defer { board.stop(); board.waitForSubscribers() }
        // PUB drops messages until a subscription has arrived: ping until everyone has heard one.
        let ping = Message.weights(Weights(version: 0, params: [0])).encoded()
        let joinBy = Date().addingTimeInterval(10)
        while !board.allJoined {
            guard Date() < joinBy else { throw BenchError.failed("subscribers did not connect to \(pub.endpoint) within 10 s") }
            try pub.send(ping, wait: false)
            Thread.sleep(forTimeInterval: 0.02)
        }
        var latencies: [Double] = [], encodes: [Double] = [], size = 0
        for r in 1...rounds {
            board.expect(version: UInt64(r))
            let start = DispatchTime.now().uptimeNanoseconds
            let bytes = Message.weights(Weights(version: UInt64(r), params: params)).encoded()
            size = bytes.count
            encodes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            try pub.send(bytes)
            guard let done = board.waitAll(timeout: 30) else { throw BenchError.failed("a subscriber missed weights v\(r)") }
            latencies.append(Double(done - start) / 1e6)
        }
        return Result(model: model, curve: security.client != .none, parameters: params.count, subscribers: k, messageBytes: size, milliseconds: Stats(latencies),
                      encodeMilliseconds: Stats(encodes))
    }
}
