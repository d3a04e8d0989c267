import Foundation
import Launcher
import Transport
import Wire
import Worker

/// The weight broadcast over emulated 1 Gbit/s links: a publisher (the learner's side: the
/// weights whole, or in parts when relayed) on a machine of its own and N subscribers, each a
/// process on its own machine (`EmulatedNetwork`) running an actor's `WeightsRelay`, either
/// all subscribed to the publisher or relaying along the tree `RelayTree` builds. Timed from
/// encoding until the last subscriber has the whole message and has told the publisher.
public enum RelayBenchmark {
    public struct Case: Codable, Sendable {
        public var subscribers: Int
        /// 0: every subscriber takes the weights from the publisher; f: the relay tree of fanout f.
        public var fanout: Int
        public var messageBytes: Int
        public var milliseconds: Stats
    }

    public struct Report: Codable, Sendable {
        public var megabitsPerSecond: Int
        public var cases: [Case]
        public var note: String
    }

    /// Ports inside each machine's namespace (every machine has its own port space).
    static let weightsPort = 7100, reportPort = 7101, relayPort = 7102

    /// Each of `cases` (subscribers, fanout) on a fresh set of machines, `rounds` broadcasts of `parameters` floats.
    public static func run(executable: String, parameters: Int, cases: [(subscribers: Int, fanout: Int)], rounds: Int,
                           megabitsPerSecond: Int = 1000, scratch: String, log: (String) -> Void) throws -> Report {
        let net: EmulatedNetwork
        do { net = try EmulatedNetwork(machines: 1 + (cases.map(\.subscribers).max() ?? 1), megabitsPerSecond: megabitsPerSecond) } catch {
            throw BenchError.invalid("bench --scaling broadcast: \(error)")
        }
        defer { net.remove() }
        var out: [Case] = []
        for c in cases {
            log("broadcast: \(c.subscribers) subscriber(s), " + (c.fanout == 0 ? "all from the publisher" : "relayed with fanout \(c.fanout)"))
            out.append(try runCase(net, executable: executable, parameters: parameters, subscribers: c.subscribers, fanout: c.fanout,
                                   rounds: rounds, scratch: scratch))
        }
        let note = "publisher and subscribers each in a network namespace of their own, joined by a bridge through veth links "
            + "shaped to \(megabitsPerSecond) Mbit/s both ways with tc tbf (no latency added: no netem in this kernel); plain text, "
            + "\(rounds) broadcasts per case after one warm-up"
        return Report(megabitsPerSecond: megabitsPerSecond, cases: out, note: note)
    }

    private static func runCase(_ net: EmulatedNetwork, executable: String, parameters: Int, subscribers n: Int, fanout: Int,
                                rounds: Int, scratch: String) throws -> Case {
        var tree = RelayTree(fanout: max(fanout, 1))
        for i in 1...n { _ = tree.join(.init(id: "\(i)", endpoint: "tcp://\(net.address(of: i)):\(relayPort)", key: nil)) }
        let routes = tree.routes()
        let publisher = "tcp://\(net.address(of: 0)):\(weightsPort)", report = "tcp://\(net.address(of: 0)):\(reportPort)"
        var children: [Process] = []
        defer { for p in children where p.isRunning { p.terminate() } }
        for i in 1...n {
            let up = fanout == 0 ? "" : routes["\(i)"]!.upstream
            let argv = net.command(on: i, [executable, "relay-probe", "subscribe", "--id", "\(i)", "--bind", "tcp://0.0.0.0:\(relayPort)",
                                           "--upstream", up.isEmpty ? publisher : up, "--report", report])
            children.append(try Subprocess.start(argv[0], Array(argv.dropFirst()), logPath: scratch + "/relay-sub-\(i).log"))
        }
        let json = scratch + "/relay-pub.json"
        let argv = net.command(on: 0, [executable, "relay-probe", "publish", "--subscribers", "\(n)", "--fanout", "\(fanout)",
                                       "--parameters", "\(parameters)", "--rounds", "\(rounds)",
                                       "--bind", "tcp://0.0.0.0:\(weightsPort)", "--report", "tcp://0.0.0.0:\(reportPort)", "--out", json])
        let status = try Subprocess.run(argv[0], Array(argv.dropFirst()), logPath: scratch + "/relay-pub.log", timeout: 120)
        guard status == 0 else { throw BenchError.failed("the broadcast publisher failed: " + Subprocess.tail(scratch + "/relay-pub.log")) }
        return try JSONDecoder().decode(Case.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
    }

    // MARK: The two ends, run by `nanoreasoner relay-probe`

    /// A subscriber: an actor's relay taking the weights from `upstream`, reporting "id version"
    /// to `report` for each whole message, until the bench stops it (or a shutdown comes, or 5 minutes pass).
    public static func subscribe(id: String, bind: String, upstream: String, report: String) throws {
        let context = ZMQContext()
        let relay = try WeightsRelay(context: context, bind: bind, learner: (upstream, .none), messageBytes: 4 << 20,
                                     limit: Frame.defaultLimit, log: { print($0) })
        defer { relay.stop() }
        relay.route(WeightsRoute(upstream: ""))
        let weights = try ZMQSocket(context, .sub)
        try weights.setHighWaterMarks(send: 1, receive: 4)
        try weights.subscribeAll()
        try weights.connect(relay.localEndpoint)
        let push = try ZMQSocket(context, .push)
        try push.connect(report)
        let until = Date().addingTimeInterval(300)
        while Date() < until {
            guard let f = try weights.receiveFrame(timeout: 0.5) else { continue }
            switch try Message.decode(f.bytes) {
            case .weights(let w): try push.send(Array("\(id) \(w.version)".utf8))
            case .shutdown: return
            default: continue
            }
        }
    }

    /// The publisher: pings until every subscriber has heard one, then `rounds` broadcasts,
    /// each timed until all `subscribers` have reported it; writes a `Case` to `out`.
    public static func publish(subscribers n: Int, fanout: Int, parameters: Int, rounds: Int, bind: String, reportBind: String,
                               out: String) throws {
        let context = ZMQContext()
        let pub = try ZMQSocket(context, .pub)
        try pub.setHighWaterMarks(send: WeightsPart.queueDepth(messageBytes: 4 * parameters), receive: 4)
        try pub.bind(bind)
        let reports = try ZMQSocket(context, .pull)
        try reports.bind(reportBind)
        let params = (0..<parameters).map { Float($0 % 1000) * 1e-3 }
        func send(_ version: UInt64, _ p: [Float]) throws {
            let bytes = Message.weights(Weights(version: version, params: p)).encoded()
            for m in fanout > 0 ? WeightsPart.split(bytes, version: version) : [bytes] { try pub.send(m) }
        }
        // Subscriptions travel hop by hop: until every subscriber has heard a ping, weights would be dropped.
        var heard = Set<String>()
        let joinBy = Date().addingTimeInterval(60)
        while heard.count < n {
            guard Date() < joinBy else { throw BenchError.failed("\(heard.count) of \(n) subscribers heard the publisher within 60 s") }
            try send(0, [0])
            while let r = try reports.receive(timeout: 0.05) { heard.insert(String(decoding: r[0], as: UTF8.self).split(separator: " ")[0].description) }
        }
        var ms: [Double] = []
        // Round 1 is a warm-up (each hop's TCP window opens on the first full-size message), left out.
        for r in 1...(rounds + 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            try send(UInt64(r), params)
            var got = Set<String>()
            let by = Date().addingTimeInterval(30)
            while got.count < n {
                guard Date() < by else { throw BenchError.failed("round \(r): \(got.count) of \(n) subscribers got the weights within 30 s") }
                guard let m = try reports.receive(timeout: 1) else { continue }
                let f = String(decoding: m[0], as: UTF8.self).split(separator: " ")
                if f.count == 2, f[1] == "\(r)" { got.insert(String(f[0])) }
            }
            if r > 1 { ms.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
        }
        let c = Case(subscribers: n, fanout: fanout, messageBytes: 4 * parameters, milliseconds: Stats(ms))
        try JSONEncoder().encode(c).write(to: URL(fileURLWithPath: out))
    }
}
