import Foundation
import Completions
import Kernels
import Sampler
import Policy
import Transport
import Wire
import Worker

/// A rollout worker: holds a policy snapshot with its version, asks the learner for
/// prompts, samples a group of G per prompt and pushes the trajectories back. New
/// weights are applied between batches, never inside one.
public final class RolloutActor {
    let options: WorkerOptions
    /// Prompts per sampling batch (credits per request).
    let batch: Int
    let threads: Int
    let log: (String) -> Void
    let context: ZMQContext?
    let endpoints: Endpoints?
    /// Called after each batch is pushed (for the actor's live metrics).
    public var onBatch: (@Sendable (SampledBatch) -> Void)?
    /// The run's frozen reference, when the learner asks actors to compute its log-probs
    /// (`loaded` once its weights arrived; until then the learner computes them).
    private var reference: (model: any CausalLM, loaded: Bool)?

    /// What one batch sampled.
    public struct SampledBatch: Sendable {
        public var groups: Int
        public var completions: Int
        public var tokens: Int
        public var seconds: Double
        public var policyVersion: UInt64
    }

    /// `context` and `endpoints`: for an actor thread in the learner's process (`inproc://`).
    public init(options: WorkerOptions, batch: Int, threads: Int, context: ZMQContext? = nil, endpoints: Endpoints? = nil,
                log: @escaping (String) -> Void) {
        self.options = options
        self.context = context
        self.endpoints = endpoints
        self.batch = batch
        self.threads = threads
        self.log = log
    }

    /// The sockets besides the session's: trajectories out, weights in.
    struct Sockets {
        let push: ZMQSocket
        let weights: ZMQSocket
    }

    /// Runs until the learner says shutdown (returns normally) or is unreachable (throws).
    public func run() throws {
        try Parallel.with(threads: threads) { try serve() }
    }

    private func serve() throws {
        let session = try WorkerSession(role: .actor, options: options, context: context, endpoints: endpoints, log: log)
        defer { session.close() }
        let push = try session.makeSocket(.push)
        try push.setHighWaterMarks(send: 256, receive: 1)
        try push.setSendTimeout(10)  // a vanished learner must not hang the actor; its groups are re-issued
        try push.connect(session.endpoints.trajectories)
        let weights = try session.makeSocket(.sub)
        try weights.setHighWaterMarks(send: 1, receive: 4)
        try weights.limitMessageSize(Frame.defaultLimit)
        try weights.subscribeAll()
        let sockets = Sockets(push: push, weights: weights)
        var feed = WeightsFeed()
        defer { feed.stop() }
        // Subscribed before the hello: what the learner publishes when we join (the reference) must not be missed.
        try feed.connectDirect(weights, session: session)

        var state = ActorState()
        var loaded: (model: any CausalLM, sampler: Sampler)?
        var idleSince = Date()
        while true {
            try session.keepAlive()
            let ready = try Poller.wait([session.socket, weights], timeout: 0.5)
            if ready[1] {
                switch latest(weights, session) {
                case .message(.weights(let w))?:
                    // Weights before the welcome are left: the learner publishes them again once we join.
                    if let l = loaded, apply(w, to: l.model, &state, session), state.phase == .waitingForWork {
                        try requestWork(session, relay: feed.relay)  // tell the learner our version
                    }
                case .shutdown?:
                    return try session.finish()
                default: break
                }
            }
            if ready[0], let event = try session.receive(timeout: 0) {
                switch event {
                case .joined(_, _, let s):
                    if case .build(let spec, let adapters) = state.joined(model: s.model, adapters: s.adapters) {
                        // A LoRA run's base is read here once; its versions are the adapters alone.
                        if let a = adapters { log("reading the frozen base from \(a.base) (LoRA rank \(a.lora.rank))") }
                        let model = try spec.make(adapters: adapters)
                        loaded = (model, Sampler(model: model))
                    }
                    session.version = state.version ?? .max
                    // Loaded again on every join: a learner restarted for another run has another reference.
                    if !s.referenceOnActors {
                        reference = nil
                    } else {
                        let kept = reference.flatMap { ModelSpec(of: $0.model) == s.model ? $0.model : nil }
                        reference = (try kept ?? s.model.make(), false)
                    }
                    try feed.connect(weights, settings: s, session: session, log: log)
                case .message(.weightsRoute(let r)):
                    feed.relay?.route(r)
                case .message(.work(let work)):
                    guard let l = loaded, let settings = session.settings else {
                        session.unexpected(.work(work), port: "work")  // work before a welcome: not ours to do
                        continue
                    }
                    if case .message(.weights(let x))? = latest(weights, session) { _ = apply(x, to: l.model, &state, session) }
                    session.record(idle: Date().timeIntervalSince(idleSince))
                    let started = Date()
                    try sample(work, settings: settings, sampler: l.sampler, sockets: sockets, version: session.version)
                    session.record(busy: Date().timeIntervalSince(started))
                    idleSince = Date()
                    state.sampled()
                case .message(let m):
                    session.unexpected(m, port: "work")
                case .shutdown:
                    return try session.finish()
                }
            }
            if let relay = feed.relay, state.offerRelay(now: Date()) {
                // No weights come until the learner has routed our relay, so offer it (no credits).
                try session.send(.workRequest(WorkRequest(workerId: options.workerId, credits: 0, policyVersion: .max,
                                                          relayEndpoint: relay.relayEndpoint)))
            }
            if state.phase == .ready {
                try requestWork(session, relay: feed.relay)
                state.requestedWork()
            }
        }
    }

    private func requestWork(_ session: WorkerSession, relay: WeightsRelay?) throws {
        try session.send(.workRequest(WorkRequest(workerId: options.workerId, credits: UInt32(batch), policyVersion: session.version,
                                                  hasReference: reference?.loaded ?? false, relayEndpoint: relay?.relayEndpoint ?? "")))
    }

    /// Where the actor's weights socket is connected: the learner's weights port, or this
    /// actor's relay (which the learner routes), as the run's `weightFanout` says.
    struct WeightsFeed {
        private(set) var relay: WeightsRelay?
        private var direct: String?

        /// Connects `weights` as the welcome's settings ask (again after a learner restart).
        mutating func connect(_ weights: ZMQSocket, settings s: WorkerSettings, session: WorkerSession,
                              log: @escaping (String) -> Void) throws {
            if s.weightFanout > 0, relay == nil {
                if let d = direct { try weights.disconnect(d); direct = nil }
                let r = try WeightsRelay(context: session.context, bind: Self.relayBind(session),
                                         learner: (session.endpoints.weights, session.options.security),
                                         messageBytes: s.weightsMessageBytes, limit: s.maxMessageBytes, log: log)
                try weights.connect(r.localEndpoint)
                relay = r
                log("relaying weights at \(r.relayEndpoint)")
            } else if s.weightFanout == 0, direct == nil {
                if let r = relay { try weights.disconnect(r.localEndpoint); r.stop(); relay = nil }
                try connectDirect(weights, session: session)
            }
        }

        /// Subscribes `weights` to the learner's weights port.
        mutating func connectDirect(_ weights: ZMQSocket, session: WorkerSession) throws {
            try weights.connect(session.endpoints.weights)
            direct = session.endpoints.weights
        }

        /// An actor thread of the learner's process relays over `inproc://`; an actor of a
        /// loopback cluster listens on loopback only; any other on every interface.
        private static func relayBind(_ session: WorkerSession) -> String {
            let learner = session.endpoints.weights
            if learner.hasPrefix("inproc://") { return "inproc://weights-relay-\(session.options.workerId)-\(UUID().uuidString)" }
            return learner.hasPrefix("tcp://127.") || learner.hasPrefix("tcp://localhost") ? "tcp://127.0.0.1:0" : "tcp://0.0.0.0:0"
        }

        func stop() { relay?.stop() }
    }

    /// The newest message waiting on the weights socket (older ones are superseded), read
    /// through the session in ZeroMQ's buffer. Only the last is decoded: a 3.4 MB decode per
    /// superseded copy would be wasted.
    private func latest(_ socket: ZMQSocket, _ session: WorkerSession) -> WorkerSession.Event? {
        var newest: ZMQFrame?
        while let frame = try? socket.receiveFrame(timeout: 0) {
            if Frame.messageType(of: frame.bytes) == .reference {  // not superseded by policy weights: kept
                if case .message(.reference(let w))? = session.handle(frame.bytes, port: "weights") { load(reference: w) }
                continue
            }
            if let n = newest, Frame.messageType(of: n.bytes) == .shutdown { continue }  // a shutdown is never superseded
            newest = frame
        }
        return newest.flatMap { session.handle($0.bytes, port: "weights") }
    }

    private func load(reference w: Weights) {
        guard let r = reference, !r.loaded else { return }
        guard w.params.count == r.model.params.count else {
            return log("ignoring the reference: \(w.params.count) parameters, the model has \(r.model.params.count)")
        }
        w.params.withUnsafeBufferPointer { r.model.params.pointer.update(from: $0.baseAddress!, count: w.params.count) }
        reference = (r.model, true)
        log("loaded the reference policy: computing its log-probs here")
    }

    /// Loads published weights if they fit the model and `state` takes them (newer); true
    /// when applied. (A LoRA model's weights are its adapters: `trainable`.)
    private func apply(_ w: Weights, to model: any CausalLM, _ state: inout ActorState, _ session: WorkerSession) -> Bool {
        let target = model.trainable
        guard w.params.count == target.count else {
            log("ignoring weights v\(w.version): \(w.params.count) parameters, the model trains \(target.count)")
            return false
        }
        let first = state.version == nil
        guard state.weightsArrived(w.version) else { return false }
        w.params.withUnsafeBufferPointer { target.pointer.update(from: $0.baseAddress!, count: w.params.count) }
        session.version = w.version
        if first { log("loaded policy version \(w.version)") }
        return true
    }

    private func sample(_ work: WorkBatch, settings: WorkerSettings, sampler: Sampler, sockets: Sockets, version v: UInt64) throws {
        guard let first = work.assignments.first else { return }
        // Seeded by the run and the group id: the same batch samples the same completions on any actor.
        var rng = Xoshiro256(seed: settings.seed &* 0x9E37_79B9_7F4A_7C15 &+ first.groupId)
        let start = Date()
        var groups = try sampler.generate(prompts: work.assignments.map(\.prompt), samplesPerPrompt: settings.groupSize,
                                          params: settings.sampling, rng: &rng)
        if let r = reference, r.loaded { try score(&groups, prompts: work.assignments.map(\.prompt), under: r.model, settings) }
        let seconds = Date().timeIntervalSince(start)
        let perGroup = Float(seconds) / Float(work.assignments.count)
        defer {
            if let onBatch {
                onBatch(SampledBatch(groups: groups.count, completions: groups.reduce(0) { $0 + $1.count },
                                     tokens: groups.reduce(0) { $0 + $1.reduce(0) { $0 + $1.tokens.count } }, seconds: seconds, policyVersion: v))
            }
        }
        for (n, (a, g)) in zip(work.assignments, groups).enumerated() {
            let t = TrajectoryGroup(workerId: options.workerId, groupId: a.groupId, promptIndex: a.promptIndex, policyVersion: v,
                                    prompt: a.prompt, rollouts: g,
                                    sampleSeconds: perGroup)
            if try !sockets.push.send(Message.trajectory(t).encoded()) {
                // The learner is gone or overloaded: the rest would wait 10 s each, for nothing.
                log("could not deliver group \(a.groupId) within 10 s (learner gone or overloaded); it and the batch's "
                    + "other \(work.assignments.count - n - 1) undelivered groups will be re-issued")
                return
            }
        }
    }

    /// Each completion's log-probs under the reference (the learner's update then skips that
    /// forward pass); a group's rows share its prompt in the forward pass.
    private func score(_ groups: inout [[Completion]], prompts: [[Int32]], under reference: any CausalLM, _ settings: WorkerSettings) throws {
        let rows = zip(prompts, groups).flatMap { p, g in g.map { (p, $0.tokens) } }
        let lp = try reference.completionLogprobs(prompts: rows.map(\.0), completions: rows.map(\.1),
                                                  temperature: settings.sampling.temperature)
        var k = 0
        for g in groups.indices {
            for c in groups[g].indices {
                groups[g][c].referenceLogprobs = lp[k]
                k += 1
            }
        }
    }
}
