import Foundation
import Completions
import Kernels
import Sampler
import TinyGPT
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
    private var reference: (model: GPT, loaded: Bool)?

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
        try weights.connect(session.endpoints.weights)
        let sockets = Sockets(push: push, weights: weights)

        var model: GPT?, sampler: Sampler?
        var waitingForWork = false
        var idleSince = Date()
        while true {
            try session.keepAlive()
            let ready = try Poller.wait([session.socket, weights], timeout: 0.5)
            if ready[1] {
                switch latest(weights, session) {
                case .message(.weights(let w))? where model != nil:
                    if apply(w, to: model!, session) && waitingForWork { try requestWork(session) }  // tell the learner our version
                case .shutdown?:
                    return try session.finish()
                default: break  // weights before the welcome: the re-announce brings them again
                }
            }
            if ready[0], let event = try session.receive(timeout: 0) {
                switch event {
                case .joined(_, _, let s):
                    if model == nil || model!.config != s.model {
                        model = try GPT(config: s.model)
                        sampler = Sampler(model: model!)
                        session.version = .max
                    }
                    // Loaded again on every join: a learner restarted for another run has another reference.
                    if !s.referenceOnActors {
                        reference = nil
                    } else {
                        let kept = reference.flatMap { $0.model.config == s.model ? $0.model : nil }
                        reference = (try kept ?? GPT(config: s.model), false)
                    }
                    waitingForWork = false
                case .message(.work(let work)):
                    waitingForWork = false
                    if case .message(.weights(let x))? = latest(weights, session) { _ = apply(x, to: model!, session) }
                    session.record(idle: Date().timeIntervalSince(idleSince))
                    let started = Date()
                    try sample(work, settings: session.settings!, sampler: sampler!, sockets: sockets, version: session.version)
                    session.record(busy: Date().timeIntervalSince(started))
                    idleSince = Date()
                case .message(let m):
                    session.unexpected(m, port: "work")
                case .shutdown:
                    return try session.finish()
                }
            }
            if session.settings != nil, session.version != .max, !waitingForWork {
                try requestWork(session)
                waitingForWork = true
            }
        }
    }

    private func requestWork(_ session: WorkerSession) throws {
        try session.send(.workRequest(WorkRequest(workerId: options.workerId, credits: UInt32(batch), policyVersion: session.version,
                                                  hasReference: reference?.loaded ?? false)))
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

    /// Loads published weights if they are newer and fit the model; true when applied.
    private func apply(_ w: Weights, to model: GPT, _ session: WorkerSession) -> Bool {
        guard w.params.count == model.params.count else {
            log("ignoring weights v\(w.version): \(w.params.count) parameters, the model has \(model.params.count)")
            return false
        }
        let current = session.version
        guard current == .max || w.version > current else { return false }
        w.params.withUnsafeBufferPointer { model.params.pointer.update(from: $0.baseAddress!, count: w.params.count) }
        session.version = w.version
        if current == .max { log("loaded policy version \(w.version)") }
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
    /// forward pass). Padding sits after each row's tokens, where causal attention never
    /// looks back from them, so any id pads.
    private func score(_ groups: inout [[Completion]], prompts: [[Int32]], under reference: GPT, _ settings: WorkerSettings) throws {
        let rows = zip(prompts, groups).flatMap { p, g in g.map { (p, $0.tokens) } }
        let lp = try reference.completionLogprobs(prompts: rows.map(\.0), completions: rows.map(\.1),
                                                  temperature: settings.sampling.temperature, pad: 0)
        var k = 0
        for g in groups.indices {
            for c in groups[g].indices {
                groups[g][c].referenceLogprobs = lp[k]
                k += 1
            }
        }
    }
}
