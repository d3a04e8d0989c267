import CZMQ
import Cluster
import Foundation
import Tasks
import Trainer
import Transport
import Verifier
import Wire
import Worker

/// The learner's message thread: a thin loop that moves messages between the sockets
/// (libzmq sockets belong to one thread) and plain parts — the `ActorRegistry`, the
/// `VerifierPool` and the `WorkLedger`. The training thread sees only `arrivals`, the
/// ledger (under the lock) and a status snapshot.
final class Broker: @unchecked Sendable {
    /// A score request on its way: the trajectory it scores and its encoded message.
    struct ScoreJob {
        var trajectory: TrajectoryGroup
        var message: [UInt8]
    }

    let settings: ClusterSettings
    let endpoints: Endpoints
    let workerSettings: WorkerSettings
    let runId: UInt64
    let context: ZMQContext
    let controlEndpoint = "inproc://learner-control-\(UUID().uuidString)"
    let arrivals = BlockingQueue<SourcedGroup>()
    let rejects: RejectCounter
    let log: (String) -> Void
    let problem: (Int) -> Problem
    /// Prompts' ids for the actors, completions' text for the verifiers: the policy's codec.
    let codec: any PromptCodec
    /// Scores groups here when the run has no verifier pool, and audits the pool's answers.
    let localVerifier: RunVerifier
    /// The learner's CURVE keys and allow-list; nil when the run is plain text.
    let keys: ClusterKeys.Learner?

    // Shared with the training thread, under `lock`.
    let lock = NSLock()
    private var _ledger: WorkLedger
    /// Counters since the training thread last took them (`takeWindow`).
    private var window = SourceWindow()
    /// What the training thread may read about the workers (refreshed by the broker thread;
    /// the reject counts live in `rejects`).
    private var status = SourceHealth()
    private var stopping = false
    private var stopReason = ""
    /// Work is handed out only while the learner trains (not while it evaluates on every core).
    private var serving = false

    /// Groups the training thread found forged, for the broker thread to pin on their actors.
    private var forgedPending: [String] = []

    // The broker thread's own.
    var actors = ActorRegistry()
    var pool: VerifierPool<ScoreJob>
    /// Which worker is on which connection of the work and verify ports, and its key.
    var actorPeers = PeerDirectory(), verifierPeers = PeerDirectory()
    /// The allow-list, the lock-outs, the forgeries and the security counts.
    var door: Door
    /// When each worker presumed dead was last told to say hello again (its heartbeats keep coming).
    var rejoinAsked: [String: Date] = [:]
    /// Each worker's peak resident memory, as its heartbeats say.
    var workerMemory: [String: UInt64] = [:]
    /// When each worker's heartbeat ("role/id") was last answered.
    var beatsAnswered: [String: Date] = [:]

    /// The newest weights and the reference, and when to publish them again.
    var board = WeightsBoard()
    /// The actors' weights relays (with `weight_fanout` > 0) and the routes sent to them.
    var relays: RelayRoutes
    private var verifierTimeoutsTotal = 0

    func recordTimeout() { verifierTimeoutsTotal += 1 }

    private var thread: Thread?
    private let started = DispatchSemaphore(value: 0)
    private var startError: Error?
    private let finished = DispatchSemaphore(value: 0)

    /// `endpoints` default to the settings' TCP ports; `context` is shared with in-process
    /// workers when they connect over `inproc://`.
    init(settings: ClusterSettings, workerSettings: WorkerSettings, ledger: WorkLedger, codec: any PromptCodec,
         problem: @escaping (Int) -> Problem, keys: ClusterKeys.Learner? = nil, endpoints: Endpoints? = nil,
         context: ZMQContext = ZMQContext(), log: @escaping (String) -> Void) throws {
        self.settings = settings
        self.endpoints = endpoints ?? settings.bindEndpoints
        self.context = context
        self.workerSettings = workerSettings
        self.codec = codec
        self.problem = problem
        self.log = log
        _ledger = ledger
        self.keys = keys
        door = Door(allowed: keys?.allowed)
        localVerifier = try RunVerifier(reward: workerSettings.reward, externalCommand: workerSettings.externalVerifier,
                                        timeout: workerSettings.externalVerifierTimeout)
        runId = UInt64.random(in: 1...UInt64.max)
        rejects = RejectCounter(log: log)
        pool = VerifierPool(credits: 4, attempts: settings.verifyRetries, timeout: settings.verifyTimeout)
        relays = RelayRoutes(fanout: settings.weightFanout)
    }

    // MARK: API for the training thread

    /// Reads or changes the ledger under the lock.
    func ledger<T>(_ body: (inout WorkLedger) -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        return body(&_ledger)
    }

    func takeWindow() -> SourceWindow {
        lock.lock(); defer { lock.unlock() }
        let w = window
        window = SourceWindow()
        return w
    }

    var snapshot: SourceHealth { lock.lock(); defer { lock.unlock() }; return status }

    /// Starts or stops handing out prompts (requests wait, parked, meanwhile).
    func setServing(_ on: Bool) { lock.lock(); serving = on; lock.unlock() }
    var isServing: Bool { lock.lock(); defer { lock.unlock() }; return serving }

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

    func count(_ body: (inout SourceWindow) -> Void) { lock.lock(); body(&window); lock.unlock() }

    /// The actors that sent forged groups (from the training thread).
    func reportForged(by actors: [String]) { lock.lock(); forgedPending += actors; lock.unlock() }

    func takeForged() -> [String] {
        lock.lock(); defer { lock.unlock() }
        let f = forgedPending
        forgedPending = []
        return f
    }

    // MARK: The thread

    /// The four ports, the control socket and (with CURVE) the ZAP handler.
    struct Sockets {
        let work: ZMQSocket, trajectories: ZMQSocket, weights: ZMQSocket, verify: ZMQSocket, control: ZMQSocket
        let zap: ZAPServer?
        /// Each port's connection events: how a handshake that never reached ZAP failed.
        let monitors: [(port: String, monitor: SocketMonitor)]
    }

    private func bind() throws -> Sockets {
        // The handler first: a CURVE socket asks it from its first handshake.
        let zap = try keys.map { _ in try ZAPServer(context) }
        let sec = keys?.security ?? .none
        let work = try ZMQSocket(context, .router, security: sec), trajectories = try ZMQSocket(context, .pull, security: sec)
        let weights = try ZMQSocket(context, .pub, security: sec), verify = try ZMQSocket(context, .router, security: sec)
        let ports = [("work", work), ("trajectories", trajectories), ("weights", weights), ("verify", verify)]
        let s = Sockets(work: work, trajectories: trajectories, weights: weights, verify: verify, control: try ZMQSocket(context, .pull),
                        zap: zap, monitors: try ports.map { ($0.0, try SocketMonitor($0.1, context: context)) })
        for x in [s.work, s.trajectories, s.verify, s.weights] { try x.limitMessageSize(settings.maxMessageBytes) }
        // Bounded queues on every port: no peer can grow the learner's memory by sending faster
        // than it reads (libzmq stops reading the connection instead).
        let q = Int32(settings.maxQueue)
        try s.work.setHighWaterMarks(send: q, receive: q)
        try s.verify.setHighWaterMarks(send: q, receive: q)
        try s.trajectories.setHighWaterMarks(send: 1, receive: q)
        // A slow subscriber drops old weights, not memory: four versions queued at most (in parts, when relayed).
        let depth = settings.weightFanout > 0 ? WeightsPart.queueDepth(messageBytes: workerSettings.weightsMessageBytes) : 4
        try s.weights.setHighWaterMarks(send: depth, receive: 4)
        try s.work.bind(endpoints.work)
        try s.trajectories.bind(endpoints.trajectories)
        try s.weights.bind(endpoints.weights)
        try s.verify.bind(endpoints.verify)
        try s.control.bind(controlEndpoint)
        return s
    }

    private func run() {
        let s: Sockets
        do { s = try bind() } catch {
            startError = error
            started.signal()
            finished.signal()
            return
        }
        started.signal()
        var clock = LoopClock()
        while true {
            lock.lock(); let stop = stopping; lock.unlock()
            if stop { break }
            turn(s)
            housekeeping(s, &clock)
            serveParkedRequests(s.work)
            dispatchScores(s.verify)
            refreshStatus()
        }
        sayGoodbye(s)
        finished.signal()
    }

    /// One turn of the loop: every socket with something to read, drained.
    private func turn(_ s: Sockets) {
        let polled = [s.work, s.trajectories, s.verify, s.control] + (s.zap.map { [$0.socket] } ?? [])
        let ready = (try? Poller.wait(polled, timeout: 0.02)) ?? polled.map { _ in false }
        if ready.count > 4, ready[4], let zap = s.zap { answerHandshakes(zap) }
        if ready[3] { drainControl(s.control, s.weights) }
        if ready[0] { drain(s.work, port: "work") { handleWork($0, $1, $2, s.work) } }
        if ready[1] { drain(s.trajectories, port: "trajectories") { handleTrajectory($1, key: $2, s) } }
        if ready[2] { drain(s.verify, port: "verify") { handleVerify($0, $1, $2, s.verify) } }
        for id in takeForged() { recordForgery(by: id, on: s.work) }
    }

    /// When the loop last turned and did its housekeeping, and until when nobody's silence counts.
    struct LoopClock {
        var lastTurn = Date(), lastHousekeeping = Date(), graceUntil = Date.distantPast
    }

    /// Liveness, score deadlines and re-publishing, every 50 ms.
    private func housekeeping(_ s: Sockets, _ clock: inout LoopClock) {
        let now = Date()
        // The learner itself was not running (SIGSTOP, swapping): the workers' silence is
        // ours. They get a full timeout to be heard again before any is presumed dead.
        if now.timeIntervalSince(clock.lastTurn) > settings.workerTimeout / 2 {
            clock.graceUntil = now.addingTimeInterval(settings.workerTimeout)
            log(String(format: "the learner did not run for %.1f s; no worker is presumed dead for the next %.1f s",
                       now.timeIntervalSince(clock.lastTurn), settings.workerTimeout))
        }
        clock.lastTurn = now
        guard now.timeIntervalSince(clock.lastHousekeeping) > 0.05 else { return }
        clock.lastHousekeeping = now
        watchDoor(s.monitors)
        if now > clock.graceUntil { checkLiveness(now) }
        checkScoreDeadlines(now)
        if relays.changed { sendRoutes(on: s.work) }
        switch board.republish(now: now) {
        case .reference(let r)?: publish([r], on: s.weights)
        case .weights(let version, let bytes)?: publishWeights((version, bytes), on: s.weights)
        case nil: break
        }
    }

    /// Tells everyone we are done (workers also exit when their launcher stops them).
    private func sayGoodbye(_ s: Sockets) {
        let bye = Message.shutdown(Shutdown(reason: stopReason)).encoded()
        for id in actors.actors.keys { if let r = actorPeers.route(of: id) { _ = try? s.work.send([r, bye], wait: false) } }
        for id in pool.members.keys { if let r = verifierPeers.route(of: id) { _ = try? s.verify.send([r, bye], wait: false) } }
        _ = try? s.weights.send(bye, wait: false)
        drainWhileWorkersLeave(s.trajectories)
    }

    /// Actors pushing a batch when the run ends would block on a closed socket (over
    /// `inproc://`) until their send timeout: take what they still send, for a moment, so
    /// they reach the shutdown. Those groups stay in flight in the ledger (a resumed run
    /// hands their prompts out again).
    private func drainWhileWorkersLeave(_ trajectories: ZMQSocket) {
        let until = Date().addingTimeInterval(0.5)
        while Date() < until { _ = try? trajectories.receive(timeout: 0.05) }
    }

    private func refreshStatus() {
        var st = SourceHealth()
        st.liveActors = actors.count
        st.liveVerifiers = pool.count
        st.actorIdleFraction = actors.idleFraction
        st.verifierTimeouts = verifierTimeoutsTotal
        st.workerPeakResidentBytes = workerMemory
        st.security = door.counts
        lock.lock(); status = st; lock.unlock()
    }

    /// Reads every waiting message of a socket, decoding each; bad ones are counted and logged.
    /// `handle` gets the connection's routing id (routers; empty otherwise), the message and
    /// the key its sender's handshake proved (nil without CURVE).
    private func drain(_ socket: ZMQSocket, port: String, _ handle: ([UInt8], Message, String?) -> Void) {
        for _ in 0..<512 {
            guard let (frames, key) = try? socket.receiveFrom(timeout: 0) else { return }
            let routed = socket.type == .router
            guard frames.count == (routed ? 2 : 1) else {
                reject(WireError.invalid("\(frames.count) frames, expected \(routed ? 2 : 1)"), port: port, bytes: frames.reduce(0) { $0 + $1.count })
                continue
            }
            let body = frames[frames.count - 1]
            do {
                let m = try Message.decode(body, limit: settings.maxMessageBytes)
                if port == "trajectories", case .trajectory = m {
                    count { $0.wireBytes += body.count; $0.payloadBytes += Frame.payloadLength(of: body) ?? 0 }
                }
                handle(routed ? frames[0] : [], m, key)
            } catch {
                reject(error, port: port, bytes: body.count)
            }
        }
    }

    func reject(_ error: Error, port: String, bytes: Int) {
        rejects.reject(error, port: port, bytes: bytes)
    }

    /// New weights from the training thread: [version (8 bytes, little-endian), encoded message].
    /// The version rides beside the message so the broker never decodes 3.4 MB to read it.
    private func drainControl(_ control: ZMQSocket, _ weights: ZMQSocket) {
        while let frames = try? control.receive(timeout: 0), frames.count == 2, frames[0].count == 8 {
            if frames[1].withUnsafeBytes({ Frame.messageType(of: $0) }) == .reference {
                publish([frames[1]], on: weights)
                board.newReference(frames[1], now: Date())
                continue
            }
            let version = frames[0].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            publishWeights((version, frames[1]), on: weights)
            board.newWeights(version: version, bytes: frames[1], now: Date())
        }
    }

    /// Weights go out whole, or in parts when actors relay them (each relay passes a part on
    /// as it arrives).
    private func publishWeights(_ w: (version: UInt64, bytes: [UInt8]), on socket: ZMQSocket) {
        publish(settings.weightFanout > 0 ? WeightsPart.split(w.bytes, version: w.version) : [w.bytes], on: socket)
    }

    /// Sends each message (not waiting on a slow subscriber), timed into the window's publish seconds.
    private func publish(_ messages: [[UInt8]], on socket: ZMQSocket) {
        let start = Date()
        for m in messages { _ = try? socket.send(m, wait: false) }
        let seconds = Date().timeIntervalSince(start)
        count { $0.publishSeconds += seconds }
    }

    var policyVersion: UInt64 { board.version }

    func welcome() -> [UInt8] {
        let json = (try? JSONEncoder().encode(workerSettings)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return Message.welcome(Welcome(runId: runId, policyVersion: policyVersion, settingsJSON: json)).encoded()
    }

    func tellToRejoin(_ route: [UInt8], on socket: ZMQSocket) {
        _ = try? socket.send([route, Message.shutdown(Shutdown(reason: Shutdown.rejoin)).encoded()], wait: false)
    }
}
