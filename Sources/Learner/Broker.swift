import CZMQ
import Cluster
import Foundation
import Sampler
import Tasks
import Trainer
import Transport
import Verifier
import Wire
import Worker

/// The learner's message thread. It owns every socket (libzmq sockets belong to one
/// thread): it hands out prompts against credits, takes in trajectories, sends them to
/// the verifier pool and back, tracks who is alive, and publishes weights. The
/// training thread only sees `arrivals` and the shared `ledger`.
final class Broker: @unchecked Sendable {
    struct Actor { var incarnation: UInt64; var lastSeen: Date; var version: UInt64; var parkedCredits = 0; var busy = 0.0; var idle = 0.0 }
    struct VerifierWorker { var incarnation: UInt64; var lastSeen: Date; var outstanding: Set<UInt64> = [] }
    struct PendingScore { var trajectory: TrajectoryGroup; var request: [UInt8]; var attempts = 0; var tokens: Int }
    struct Outstanding { var pending: PendingScore; var verifier: String; var deadline: Date }

    /// Counters for one metrics window (reset by `takeWindow`).
    struct Window: Sendable {
        var trajectories = 0, wireBytes = 0, payloadBytes = 0, sampledTokens = 0
        var publishes = 0, publishSeconds = 0.0, verifierTimeouts = 0, rejected = 0
    }

    let settings: ClusterSettings
    let workerSettings: WorkerSettings
    let runId: UInt64
    let context = ZMQContext()
    let controlEndpoint = "inproc://learner-control-\(UUID().uuidString)"
    let arrivals = BlockingQueue<SourcedGroup>()
    let rejects: RejectCounter
    let log: (String) -> Void
    let problem: (Int) -> Problem
    let tokenizer: Tokenizer
    let localVerifier: ArithmeticVerifier

    let lock = NSLock()
    private var _ledger: WorkLedger
    var window = Window()
    private var stopping = false
    /// Work is handed out only while the learner trains (not while it evaluates on every core).
    private var serving = false
    private var thread: Thread?
    private let started = DispatchSemaphore(value: 0)
    private var startError: Error?
    private let finished = DispatchSemaphore(value: 0)

    // Broker-thread state.
    var actors: [String: Actor] = [:]
    var verifiers: [String: VerifierWorker] = [:]
    var scoreQueue: [PendingScore] = []
    var outstanding: [UInt64: Outstanding] = [:]
    var latestWeights: (version: UInt64, bytes: [UInt8])?
    var lastPublish = Date.distantPast
    var republishWanted = false
    var verifierTimeoutsTotal = 0
    /// Score requests a verifier may hold at once.
    let verifierCredits = 4

    init(settings: ClusterSettings, workerSettings: WorkerSettings, ledger: WorkLedger, tokenizer: Tokenizer,
         problem: @escaping (Int) -> Problem, log: @escaping (String) -> Void) {
        self.settings = settings
        self.workerSettings = workerSettings
        self.tokenizer = tokenizer
        self.problem = problem
        self.log = log
        _ledger = ledger
        localVerifier = ArithmeticVerifier(config: workerSettings.reward)
        runId = UInt64.random(in: 1...UInt64.max)
        rejects = RejectCounter(log: log)
    }

    // MARK: API for the training thread

    /// Reads or changes the ledger under the lock.
    func ledger<T>(_ body: (inout WorkLedger) -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        return body(&_ledger)
    }

    func takeWindow() -> Window {
        lock.lock(); defer { lock.unlock() }
        let w = window
        window = Window()
        return w
    }

    var liveWorkers: (actors: Int, verifiers: Int) {
        lock.lock(); defer { lock.unlock() }
        return (actors.count, verifiers.count)
    }

    /// Mean actor idle fraction from their heartbeats.
    var actorIdleFraction: Double {
        lock.lock(); defer { lock.unlock() }
        let busy = actors.values.reduce(0) { $0 + $1.busy }, idle = actors.values.reduce(0) { $0 + $1.idle }
        return busy + idle > 0 ? idle / (busy + idle) : 0
    }

    var verifierTimeouts: Int { lock.lock(); defer { lock.unlock() }; return verifierTimeoutsTotal }

    /// Starts or stops handing out prompts (requests wait, parked, meanwhile).
    func setServing(_ on: Bool) { lock.lock(); serving = on; lock.unlock() }

    /// Binds the ports and starts the thread; throws if a port cannot be bound.
    func start() throws {
        let t = Thread { [self] in run() }
        t.name = "broker"
        thread = t
        t.start()
        started.wait()
        if let e = startError { throw e }
    }

    /// Tells every worker to stop, then ends the thread.
    func stop(reason: String) {
        lock.lock(); stopping = true; stopReason = reason; lock.unlock()
        finished.wait()
    }
    private var stopReason = ""

    // MARK: The thread

    private func run() {
        let e = settings.bindEndpoints
        let work: ZMQSocket, trajectories: ZMQSocket, weights: ZMQSocket, verify: ZMQSocket, control: ZMQSocket
        do {
            work = try ZMQSocket(context, .router)
            trajectories = try ZMQSocket(context, .pull)
            weights = try ZMQSocket(context, .pub)
            verify = try ZMQSocket(context, .router)
            control = try ZMQSocket(context, .pull)
            for s in [work, trajectories, verify] { try s.limitMessageSize(settings.maxMessageBytes) }
            for s in [work, verify] { try s.set(ZMQ_ROUTER_HANDOVER, Int32(1)) }
            try weights.setHighWaterMarks(send: 4, receive: 4)  // a slow subscriber drops old weights, not memory
            try work.bind(e.work)
            try trajectories.bind(e.trajectories)
            try weights.bind(e.weights)
            try verify.bind(e.verify)
            try control.bind(controlEndpoint)
        } catch {
            startError = error
            started.signal()
            finished.signal()
            return
        }
        started.signal()
        var lastHousekeeping = Date()
        while true {
            lock.lock(); let stop = stopping; lock.unlock()
            if stop { break }
            let ready = (try? Poller.wait([work, trajectories, verify, control], timeout: 0.02)) ?? [false, false, false, false]
            if ready[3] { drainControl(control, weights) }
            if ready[0] { drain(work, port: "work") { handleWork($0, $1, work) } }
            if ready[1] { drain(trajectories, port: "trajectories") { handleTrajectory($0, $1) } }
            if ready[2] { drain(verify, port: "verify") { handleVerify($0, $1, verify) } }
            let now = Date()
            if now.timeIntervalSince(lastHousekeeping) > 0.05 {
                lastHousekeeping = now
                checkLiveness(now)
                checkScoreDeadlines(now)
                if republishWanted, now.timeIntervalSince(lastPublish) > 0.25, let w = latestWeights {
                    publish(w.bytes, on: weights)
                    republishWanted = false
                }
            }
            serveParkedRequests(work)
            dispatchScores(verify)
        }
        // Tell everyone we are done; workers also exit when their launcher stops them.
        let bye = Message.shutdown(Shutdown(reason: stopReason)).encoded()
        for id in actors.keys { _ = try? work.send([Array(id.utf8), bye], wait: false) }
        for id in verifiers.keys { _ = try? verify.send([Array(id.utf8), bye], wait: false) }
        _ = try? weights.send(bye, wait: false)
        finished.signal()
    }

    /// Reads every waiting message of a socket, decoding each; bad ones are counted and logged.
    private func drain(_ socket: ZMQSocket, port: String, _ handle: (String, Message) -> Void) {
        for _ in 0..<512 {
            guard let frames = try? socket.receive(timeout: 0) else { return }
            let routed = socket.type == .router
            guard frames.count == (routed ? 2 : 1) else {
                reject(WireError.invalid("\(frames.count) frames, expected \(routed ? 2 : 1)"), port: port, bytes: frames.reduce(0) { $0 + $1.count })
                continue
            }
            let body = frames[frames.count - 1]
            do {
                let m = try Message.decode(body, limit: settings.maxMessageBytes)
                if port == "trajectories", case .trajectory = m {
                    lock.lock()
                    window.wireBytes += body.count
                    window.payloadBytes += Frame.payloadLength(of: body) ?? 0
                    lock.unlock()
                }
                handle(routed ? String(decoding: frames[0], as: UTF8.self) : "", m)
            } catch {
                reject(error, port: port, bytes: body.count)
            }
        }
    }

    func reject(_ error: Error, port: String, bytes: Int) {
        rejects.reject(error, port: port, bytes: bytes)
        lock.lock(); window.rejected += 1; lock.unlock()
    }

    /// New weights from the training thread: [version (8 bytes, little-endian), encoded message].
    /// The version rides beside the message so the broker never decodes 3.4 MB to read it.
    private func drainControl(_ control: ZMQSocket, _ weights: ZMQSocket) {
        while let frames = try? control.receive(timeout: 0), frames.count == 2, frames[0].count == 8 {
            let version = frames[0].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            latestWeights = (version, frames[1])
            publish(frames[1], on: weights)
        }
    }

    private func publish(_ bytes: [UInt8], on socket: ZMQSocket) {
        let start = Date()
        _ = try? socket.send(bytes, wait: false)
        lastPublish = Date()
        lock.lock()
        window.publishes += 1
        window.publishSeconds += lastPublish.timeIntervalSince(start)
        lock.unlock()
    }

    var policyVersion: UInt64 { latestWeights?.version ?? 0 }

    func welcome(_ id: String) -> [UInt8] {
        let json = (try? JSONEncoder().encode(workerSettings)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return Message.welcome(Welcome(runId: runId, policyVersion: policyVersion, settingsJSON: json)).encoded()
    }

    // MARK: Actors

    private func handleWork(_ id: String, _ m: Message, _ socket: ZMQSocket) {
        let now = Date()
        switch m {
        case .hello(let h) where h.role == .actor:
            if let old = actors[id], old.incarnation != h.incarnation { lose(actor: id, why: "restarted") }
            lock.lock(); actors[id] = Actor(incarnation: h.incarnation, lastSeen: now, version: .max); lock.unlock()
            log("\(id) joined from \(h.host)")
            _ = try? socket.send([Array(id.utf8), welcome(id)], wait: false)
            republishWanted = true
        case .workRequest(let r):
            guard actors[id] != nil else {
                // Not introduced (or presumed dead and back): it must say hello again.
                _ = try? socket.send([Array(id.utf8), Message.shutdown(Shutdown(reason: Shutdown.rejoin)).encoded()], wait: false)
                return
            }
            lock.lock()
            actors[id]!.lastSeen = now
            actors[id]!.version = r.policyVersion
            actors[id]!.parkedCredits = Int(min(r.credits, 1024))
            lock.unlock()
            if r.policyVersion != policyVersion { republishWanted = true }
        default:
            reject(WireError.invalid("unexpected \(m.type) on the work port"), port: "work", bytes: 0)
        }
    }

    /// Answers waiting work requests while the in-flight bound allows.
    private func serveParkedRequests(_ socket: ZMQSocket) {
        lock.lock(); let on = serving; lock.unlock()
        guard on else { return }
        for (id, a) in actors where a.parkedCredits > 0 && a.version == policyVersion {
            let given = ledger { $0.assign(to: id, credits: a.parkedCredits, prompt: { self.problem($0).prompt }) }
            if given.isEmpty { return }
            let batch = WorkBatch(assignments: given.map { g in
                Assignment(groupId: g.groupId, promptIndex: UInt64(g.promptIndex), prompt: promptTokens(g.promptIndex))
            })
            lock.lock(); actors[id]?.parkedCredits = 0; lock.unlock()
            if (try? socket.send([Array(id.utf8), Message.work(batch).encoded()], wait: false)) != true {
                for g in given { ledger { $0.reissue(g.groupId) } }
            }
        }
    }

    private func promptTokens(_ index: Int) -> [Int32] { [Tokenizer.bos] + tokenizer.encode(problem(index).prompt) }

    private func handleTrajectory(_: String, _ m: Message) {
        let now = Date()
        switch m {
        case .heartbeat(let h):
            lock.lock()
            if h.role == .actor, actors[h.workerId]?.incarnation == h.incarnation {
                actors[h.workerId]!.lastSeen = now
                actors[h.workerId]!.busy = h.busySeconds
                actors[h.workerId]!.idle = h.idleSeconds
                if h.policyVersion != policyVersion { republishWanted = true }
            } else if h.role == .verifier, verifiers[h.workerId]?.incarnation == h.incarnation {
                verifiers[h.workerId]!.lastSeen = now
            }
            lock.unlock()
        case .trajectory(let t):
            lock.lock(); actors[t.workerId]?.lastSeen = now; lock.unlock()
            if let problemIndex = ledger({ $0.prompt(of: t.groupId) }) {
                if let why = invalid(t, promptIndex: problemIndex) {
                    reject(WireError.invalid("trajectory \(t.groupId) from \(t.workerId): \(why)"), port: "trajectories", bytes: 0)
                    ledger { $0.reissue(t.groupId) }
                    return
                }
            }
            guard ledger({ $0.receive(t.groupId) }) else { return }  // late or duplicate
            let tokens = t.rollouts.reduce(0) { $0 + $1.tokens.count }
            let p = problem(Int(t.promptIndex))
            let request = Message.scoreRequest(ScoreRequest(requestId: t.groupId, prompt: p.prompt, answer: p.answer,
                                                            completions: t.rollouts.map { tokenizer.decode($0.tokens) })).encoded()
            lock.lock()
            window.trajectories += 1
            window.sampledTokens += tokens
            lock.unlock()
            scoreQueue.append(PendingScore(trajectory: t, request: request, tokens: tokens))
        default:
            reject(WireError.invalid("unexpected \(m.type) on the trajectories port"), port: "trajectories", bytes: 0)
        }
    }

    /// Why a trajectory cannot be trained on, or nil if it can.
    private func invalid(_ t: TrajectoryGroup, promptIndex: Int) -> String? {
        if t.promptIndex != UInt64(promptIndex) { return "prompt index \(t.promptIndex), group was for \(promptIndex)" }
        if t.rollouts.count != workerSettings.groupSize { return "\(t.rollouts.count) completions, group size is \(workerSettings.groupSize)" }
        if t.prompt != promptTokens(promptIndex) { return "prompt tokens differ from the assignment's" }
        let V = Int32(workerSettings.model.vocabSize)
        for r in t.rollouts {
            if r.tokens.isEmpty || r.tokens.count > workerSettings.sampling.maxNewTokens { return "completion of \(r.tokens.count) tokens" }
            if r.tokens.contains(where: { $0 < 0 || $0 >= V }) { return "token id outside the vocabulary" }
            if r.logprobs.contains(where: { !$0.isFinite || $0 > 1e-3 }) { return "log-prob not finite or positive" }
        }
        return nil
    }

    private func checkLiveness(_ now: Date) {
        for (id, a) in actors where now.timeIntervalSince(a.lastSeen) > settings.workerTimeout {
            lose(actor: id, why: String(format: "silent for %.1f s", now.timeIntervalSince(a.lastSeen)))
        }
        for (id, v) in verifiers where now.timeIntervalSince(v.lastSeen) > settings.workerTimeout {
            log(String(format: "\(id) silent for %.1f s: presumed dead; re-sending its %d score requests", now.timeIntervalSince(v.lastSeen), v.outstanding.count))
            lock.lock(); verifiers[id] = nil; lock.unlock()
            for r in v.outstanding { if let o = outstanding.removeValue(forKey: r) { scoreQueue.insert(o.pending, at: 0) } }
        }
    }

    /// Forgets an actor and hands out again every group it held.
    private func lose(actor id: String, why: String) {
        let held = ledger { l -> [UInt64] in
            let h = l.held(by: id)
            for g in h { l.reissue(g) }
            return h
        }
        lock.lock(); actors[id] = nil; lock.unlock()
        log("\(id) \(why): presumed dead; \(held.count) groups it held go back in the queue")
    }
}
