import Foundation
import Transport
import Wire

/// An actor's weights feed when the learner has actors relay the weights (`cluster.weight_fanout`
/// above 0): a thread of its own that subscribes where the learner routes it (the learner's
/// weights port or another actor's relay), passes every part on to the actors below it the
/// moment it arrives, and hands each whole message to its actor over `inproc://`. A thread,
/// because the actor's own loop is busy sampling for seconds at a time: forwarding must not
/// wait for it.
public final class WeightsRelay: @unchecked Sendable {
    /// Where the actor's weights socket connects (whole messages, in order).
    public let localEndpoint: String
    /// Where actors below this one subscribe: `tcp://*:PORT` (the learner puts in the address
    /// it sees us at) or, for an actor thread in the learner's process, an `inproc://` name.
    public private(set) var relayEndpoint = ""

    private let context: ZMQContext
    private let keys: CurveKeyPair?
    private let learner: (endpoint: String, security: SocketSecurity)
    private let queueDepth: Int32
    private let limit: Int
    private let log: (String) -> Void
    private let lock = NSLock()
    private var pendingRoute: WeightsRoute?
    private var stopping = false
    private var thread: Thread?
    private let ready = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
    private var startError: Error?

    /// `bind`: the relay's listening endpoint (`tcp://0.0.0.0:0`, `tcp://127.0.0.1:0` or an
    /// `inproc://` name). With CURVE (the learner's security is a client's) the relay is a
    /// CURVE server with the actor's own keys, and only the actors the learner names may
    /// subscribe. `messageBytes`: the weights message's size, which sizes the queues (four versions' parts).
    /// `learner`: the learner's weights port and the security to subscribe to it with (a
    /// route with an empty upstream means it).
    public init(context: ZMQContext, bind: String, learner: (endpoint: String, security: SocketSecurity), messageBytes: Int,
                limit: Int, log: @escaping (String) -> Void) throws {
        self.context = context
        self.learner = learner
        keys = learner.security.keys
        self.limit = limit
        self.log = log
        queueDepth = WeightsPart.queueDepth(messageBytes: messageBytes)
        localEndpoint = "inproc://weights-relay-\(UUID().uuidString)"
        let t = Thread { [self] in run(bind: bind) }
        t.name = "weights-relay"
        thread = t
        t.start()
        ready.wait()
        if let e = startError { throw e }
    }

    /// Takes weights from `route.upstream` from now on (applied by the relay's thread).
    public func route(_ route: WeightsRoute) {
        lock.lock(); pendingRoute = route; lock.unlock()
    }

    public func stop() {
        lock.lock(); stopping = true; lock.unlock()
        finished.wait()
    }

    /// The relay's sockets: downstream (PUB, bound), local (PUB to the actor), upstream (SUB, per route).
    private struct Sockets {
        let downstream: ZMQSocket, local: ZMQSocket
        let zap: ZAPServer?
        var upstream: ZMQSocket?
        var allowed: Set<String> = []
        var route: WeightsRoute?
        /// Something arrived over the current route.
        var heard = false
        /// Says in the log when the first weights arrive over a new route (that it works).
        var announce = false
    }

    private func bindSockets(_ bind: String) throws -> Sockets {
        let zap = try keys.map { _ in try ZAPServer(context) }
        let downstream = try ZMQSocket(context, .pub, security: keys.map { .curveServer(secretKey: $0.secretKey) } ?? .none)
        try downstream.setHighWaterMarks(send: queueDepth, receive: 4)
        try downstream.bind(bind)
        let local = try ZMQSocket(context, .pub)
        try local.setHighWaterMarks(send: 4, receive: 4)
        try local.bind(localEndpoint)
        relayEndpoint = bind.hasPrefix("inproc://") ? bind : "tcp://*:" + (downstream.endpoint.split(separator: ":").last.map(String.init) ?? "0")
        return Sockets(downstream: downstream, local: local, zap: zap)
    }

    private func run(bind: String) {
        var s: Sockets
        do { s = try bindSockets(bind) } catch {
            startError = error
            ready.signal(); finished.signal()
            return
        }
        ready.signal()
        var assembler = WeightsAssembler(limit: limit)
        while true {
            lock.lock(); let stop = stopping, route = pendingRoute; pendingRoute = nil; lock.unlock()
            if stop { break }
            if let route { reroute(&s, route) }
            let polled = (s.upstream.map { [$0] } ?? []) + (s.zap.map { [$0.socket] } ?? [])
            let ready = (try? Poller.wait(polled, timeout: 0.05)) ?? []
            if let zap = s.zap, ready.last == true { answer(zap, allowed: s.allowed) }
            if let up = s.upstream, ready.first == true { forward(from: up, &s, &assembler) }
        }
        s.upstream = nil
        finished.signal()
    }

    /// A new upstream socket (a SUB cannot change its server key) and the new allow-list.
    private func reroute(_ s: inout Sockets, _ r: WeightsRoute) {
        s.allowed = Set(r.downstreamKeys)
        // Sent again (we lag): keep a connection that has carried something. One that never did
        // is made anew: its handshake may have been refused before the upstream had its route,
        // and libzmq does not always retry a refused one (libzmq#3519).
        let same = r.upstream == s.route?.upstream && r.upstreamKey == s.route?.upstreamKey
        guard !same || !s.heard else { return }
        s.route = r
        s.heard = false
        let fromLearner = r.upstream.isEmpty
        let endpoint = fromLearner ? learner.endpoint : r.upstream
        let peer: SocketSecurity = keys.map { .curveClient(serverKey: r.upstreamKey, keys: $0) } ?? .none
        do {
            let up = try ZMQSocket(context, .sub, security: fromLearner ? learner.security : peer)
            try up.setHighWaterMarks(send: 1, receive: queueDepth)
            try up.limitMessageSize(limit)
            try up.subscribeAll()
            try up.connect(endpoint)
            s.upstream = up
            s.announce = true
        } catch {
            log("could not subscribe to the weights at \(endpoint): \(error)")
        }
    }

    /// Passes every waiting message on: parts downstream at once, whole messages to the actor.
    private func forward(from up: ZMQSocket, _ s: inout Sockets, _ assembler: inout WeightsAssembler) {
        for _ in 0..<4096 {
            guard let frames = try? up.receive(timeout: 0), frames.count == 1 else { return }
            s.heard = true
            let bytes = frames[0]
            guard bytes.withUnsafeBytes({ Frame.messageType(of: $0) }) == .weightsPart else {
                _ = try? s.downstream.send(bytes, wait: false)
                _ = try? s.local.send(bytes, wait: false)
                continue
            }
            do {
                guard case .weightsPart(let p) = try Message.decode(bytes, limit: limit) else { continue }
                _ = try? s.downstream.send(bytes, wait: false)
                guard let whole = try assembler.add(p) else { continue }
                _ = try? s.local.send(whole, wait: false)
                if s.announce { log("weights v\(p.version) arrived from \(up.endpoint)") }
                s.announce = false
            } catch {
                log("dropped a bad weights part from \(up.endpoint): \(error)")
            }
        }
    }

    private func answer(_ zap: ZAPServer, allowed: Set<String>) {
        while let r = zap.next() {
            let ok = r.clientKey.map { allowed.contains($0) } ?? false
            zap.answer(r, allow: ok, userId: r.clientKey ?? "", reason: ok ? "" : "not an actor the learner routed here")
        }
    }
}
