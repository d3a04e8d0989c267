import Cluster
import Foundation
import Kernels
import Sampler
import TinyGPT
import Transport
import Wire

/// Where an actor connects and how it identifies itself.
public struct ActorOptions: Sendable {
    public var learnerHost = "127.0.0.1"
    public var basePort = 5555
    public var workerId = "actor-\(getpid())"
    /// Prompts per sampling batch (credits per request).
    public var batch = 8
    public var threads = 1
    public var watchParent = false
    /// Give up when the learner has been unreachable this long.
    public var silenceLimit = 300.0
    public var maxMessageBytes = 64 << 20
    public init() {}
}

/// A rollout worker: holds a policy snapshot with its version, asks the learner for
/// prompts, samples a group of G per prompt and pushes the trajectories back. New
/// weights are applied between batches, never inside one.
public final class RolloutActor {
    let options: ActorOptions
    let log: (String) -> Void
    let incarnation = makeIncarnation()
    private let stateLock = NSLock()
    private var version: UInt64 = .max  // none yet
    private var busy = 0.0, idle = 0.0
    private let rejects: RejectCounter

    public init(options: ActorOptions, log: @escaping (String) -> Void) {
        self.options = options
        self.log = log
        rejects = RejectCounter(log: log)
    }

    /// Runs until the learner says shutdown (returns normally) or is unreachable (throws).
    public func run() throws {
        Parallel.threads = options.threads
        let context = ZMQContext()
        let endpoints = Endpoints(host: options.learnerHost, basePort: options.basePort)
        let work = try ZMQSocket(context, .dealer)
        try work.setIdentity(options.workerId)
        try work.limitMessageSize(options.maxMessageBytes)
        try work.connect(endpoints.work)
        let push = try ZMQSocket(context, .push)
        try push.setHighWaterMarks(send: 256, receive: 1)
        try push.setSendTimeout(10)  // a vanished learner must not hang the actor; its groups are re-issued
        try work.setSendTimeout(10)
        try push.connect(endpoints.trajectories)
        let weights = try ZMQSocket(context, .sub)
        try weights.setHighWaterMarks(send: 1, receive: 4)
        try weights.limitMessageSize(options.maxMessageBytes)
        try weights.subscribeAll()
        try weights.connect(endpoints.weights)
        Heartbeater(context: context, endpoint: endpoints.trajectories, interval: 0.5, watchParent: options.watchParent) { [self] in
            stateLock.lock(); defer { stateLock.unlock() }
            return .heartbeat(Heartbeat(role: .actor, workerId: options.workerId, incarnation: incarnation,
                                        policyVersion: version, busySeconds: busy, idleSeconds: idle))
        }.start()

        var settings: WorkerSettings?
        var model: GPT?, sampler: Sampler?
        var waitingForWork = false
        var lastHello = Date.distantPast, lastHeard = Date()
        var idleSince = Date()
        let hello = Message.hello(Hello(role: .actor, workerId: options.workerId, incarnation: incarnation,
                                        host: ProcessInfo.processInfo.hostName)).encoded()
        log("connecting to \(endpoints.work)")
        while true {
            if settings == nil, Date().timeIntervalSince(lastHello) > 2 {
                try work.send(hello)
                lastHello = Date()
            }
            if Date().timeIntervalSince(lastHeard) > options.silenceLimit {
                throw WorkerError.learnerUnreachable(endpoints.work, options.silenceLimit)
            }
            let ready = try Poller.wait([work, weights], timeout: 0.5)
            if ready[1], let m = model {
                switch latest(weights) {
                case .weights(let w)?:
                    lastHeard = Date()
                    if apply(w, to: m) && waitingForWork {
                        try requestWork(work)  // tell the learner our new version
                    }
                case .shutdown(let s)?:
                    log("learner says shutdown: \(s.reason)")
                    return
                default: break
                }
            } else if ready[1] {
                _ = latest(weights)  // weights before the welcome: the re-announce brings them again
            }
            if ready[0], let frames = try work.receive(timeout: 0), let body = frames.last {
                lastHeard = Date()
                let message: Message
                do { message = try Message.decode(body, limit: options.maxMessageBytes) } catch {
                    rejects.reject(error, port: "work", bytes: body.count)
                    continue
                }
                switch message {
                case .welcome(let w):
                    guard let s = try? JSONDecoder().decode(WorkerSettings.self, from: Data(w.settingsJSON.utf8)) else {
                        log("the learner's settings do not decode; is it a different NanoReasoner version?")
                        continue
                    }
                    if model == nil || model!.config != s.model {
                        model = try GPT(config: s.model)
                        sampler = Sampler(model: model!)
                        stateLock.lock(); version = .max; stateLock.unlock()
                    }
                    settings = s
                    waitingForWork = false
                    log("joined run \(w.runId) at policy version \(w.policyVersion)")
                case .work(let batch):
                    waitingForWork = false
                    if let w = latestIfAny(weights), case .weights(let x) = w { _ = apply(x, to: model!) }
                    stateLock.lock(); idle += Date().timeIntervalSince(idleSince); stateLock.unlock()
                    let started = Date()
                    try sample(batch, settings: settings!, sampler: sampler!, push: push)
                    stateLock.lock(); busy += Date().timeIntervalSince(started); stateLock.unlock()
                    idleSince = Date()
                case .shutdown(let s) where s.reason == Shutdown.rejoin:
                    settings = nil
                    lastHello = .distantPast
                case .shutdown(let s):
                    log("learner says shutdown: \(s.reason)")
                    return
                default:
                    rejects.reject(WireError.invalid("unexpected \(message.type) from the learner"), port: "work", bytes: body.count)
                }
            }
            if settings != nil, currentVersion != .max, !waitingForWork {
                try requestWork(work)
                waitingForWork = true
            }
        }
    }

    private var currentVersion: UInt64 { stateLock.lock(); defer { stateLock.unlock() }; return version }

    private func requestWork(_ work: ZMQSocket) throws {
        try work.send(Message.workRequest(WorkRequest(workerId: options.workerId, credits: UInt32(options.batch),
                                                      policyVersion: currentVersion)).encoded())
    }

    /// The newest message waiting on the weights socket (older ones are superseded).
    private func latest(_ socket: ZMQSocket) -> Message? {
        var newest: Message?
        while let frames = try? socket.receive(timeout: 0), let body = frames.last {
            do {
                let m = try Message.decode(body, limit: options.maxMessageBytes)
                if case .shutdown = newest { continue }
                newest = m
            } catch { rejects.reject(error, port: "weights", bytes: body.count) }
        }
        return newest
    }

    private func latestIfAny(_ socket: ZMQSocket) -> Message? { latest(socket) }

    /// Loads published weights if they are newer and fit the model; true when applied.
    private func apply(_ w: Weights, to model: GPT) -> Bool {
        guard w.params.count == model.params.count else {
            log("ignoring weights v\(w.version): \(w.params.count) parameters, the model has \(model.params.count)")
            return false
        }
        let current = currentVersion
        guard current == .max || w.version > current else { return false }
        w.params.withUnsafeBufferPointer { model.params.pointer.update(from: $0.baseAddress!, count: w.params.count) }
        stateLock.lock(); version = w.version; stateLock.unlock()
        if current == .max { log("loaded policy version \(w.version)") }
        return true
    }

    private func sample(_ batch: WorkBatch, settings: WorkerSettings, sampler: Sampler, push: ZMQSocket) throws {
        guard let first = batch.assignments.first else { return }
        // Seeded by the run and the group id: the same batch samples the same completions on any actor.
        var rng = Xoshiro256(seed: settings.seed &* 0x9E37_79B9_7F4A_7C15 &+ first.groupId)
        let start = Date()
        let v = currentVersion
        let groups = try sampler.generate(prompts: batch.assignments.map(\.prompt), samplesPerPrompt: settings.groupSize,
                                          params: settings.sampling, rng: &rng)
        let perGroup = Float(Date().timeIntervalSince(start)) / Float(batch.assignments.count)
        for (a, g) in zip(batch.assignments, groups) {
            let t = TrajectoryGroup(workerId: options.workerId, groupId: a.groupId, promptIndex: a.promptIndex, policyVersion: v,
                                    prompt: a.prompt, rollouts: g.map { Rollout(tokens: $0.tokens, logprobs: $0.logprobs, stopped: $0.stopped) },
                                    sampleSeconds: perGroup)
            if try !push.send(Message.trajectory(t).encoded()) {
                log("could not deliver group \(a.groupId) within 10 s (learner gone or overloaded); it will be re-issued")
            }
        }
    }
}

public enum WorkerError: Error, CustomStringConvertible {
    case learnerUnreachable(String, Double)
    public var description: String {
        switch self {
        case .learnerUnreachable(let e, let s):
            return "no word from the learner at \(e) for \(Int(s)) s; is it running, and is the port reachable from here?"
        }
    }
}
