import Cluster
import Completions
import Foundation
import Tasks
import Testing
import Transport
import Verifier
import Wire
import Worker

/// The cluster over loopback TCP with CURVE, against the workers the issue names: keyed
/// workers, strangers, a lying verifier, an actor forging log-probs, a duplicate id.
@Suite("Cluster over CURVE (loopback TCP)", .serialized)
struct SecureClusterTests {
    /// Records what a rogue thread saw, for the test to check after the run.
    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var _notes: [String: String] = [:]
        func note(_ key: String, _ value: String) { lock.lock(); _notes[key] = value; lock.unlock() }
        subscript(_ key: String) -> String? { lock.lock(); defer { lock.unlock() }; return _notes[key] }
    }

    /// Runs a session until the learner refuses it (returns the reason) or `seconds` pass.
    static func untilRefused(_ session: WorkerSession, seconds: Double, onMessage: (Message) throws -> Void = { _ in }) -> String {
        let end = Date().addingTimeInterval(seconds)
        do {
            while Date() < end {
                try session.keepAlive()
                switch try session.receive(timeout: 0.1) {
                case .message(let m)?: try onMessage(m)
                case .shutdown?: try session.finish(); return "shutdown without refusal"
                default: break
                }
            }
        } catch { return "\(error)" }
        return "not refused within \(seconds) s"
    }

    /// An actor that asks for work like an honest one (at the learner's current version)
    /// and answers with tokens the policy finds unlikely, claimed as certain (log-prob 0).
    /// Returns why it stopped.
    static func forge(_ session: WorkerSession, push: ZMQSocket, weights: ZMQSocket, groupSize G: Int) -> String {
        var version: UInt64?, joined = false, asked: UInt64?
        let end = Date().addingTimeInterval(60)
        do {
            while Date() < end {
                try session.keepAlive()
                while let f = try weights.receive(timeout: 0), let body = f.last {
                    if case .message(.weights(let w))? = session.handle(body, port: "weights") { version = w.version; session.version = w.version }
                }
                switch try session.receive(timeout: 0.05) {
                case .joined?: joined = true; asked = nil
                case .message(.work(let batch))?:
                    for a in batch.assignments {
                        let forged = (0..<G).map { _ in Completion(tokens: [7, 8, 9], logprobs: [0, 0, 0], stopped: true) }
                        try push.send(Message.trajectory(TrajectoryGroup(workerId: "forger", groupId: a.groupId, promptIndex: a.promptIndex,
                            policyVersion: version ?? 0, prompt: a.prompt, rollouts: forged, sampleSeconds: 0)).encoded())
                    }
                    asked = nil
                case .shutdown?:
                    try session.finish()
                    return "shutdown without refusal"
                default: break
                }
                if joined, let v = version, asked != v {
                    try session.send(.workRequest(WorkRequest(workerId: "forger", credits: 2, policyVersion: v)))
                    asked = v
                }
            }
        } catch { return "\(error)" }
        return "not refused within 60 s"
    }

    @Test func keyedWorkersTrainAndStrangersAreRefusedAtEveryPort() throws {
        let cluster = try InProcessCluster(steps: 4, tcp: true)
        let seen = Outcome()
        var twin = try cluster.options("twin")  // an allowed key, claiming a live actor's id below
        twin.workerId = "actor-1"
        let (s, ended) = try cluster.run(actors: 1) {
            let c = cluster.config.cluster
            let ports = Endpoints(host: "127.0.0.1", basePort: c.basePort)
            let learnerKey = try ClusterKeys.learner(at: cluster.config.keyDirectory).keys.publicKey
            // A client that knows the learner's key but holds one outside the allow-list, and one with no key at all.
            let outsider = SocketSecurity.curveClient(serverKey: learnerKey, keys: try .generate())
            // And one that guessed the learner's key: its hello cannot be decrypted, below ZAP.
            let guesser = SocketSecurity.curveClient(serverKey: try CurveKeyPair.generate().publicKey, keys: try .generate())
            do {  // while the learner listens, before it trains: it is there for all of it
                let context = ZMQContext()
                let hello = Message.hello(Hello(role: .actor, workerId: "actor-1", incarnation: 7, host: "stranger")).encoded()
                let beat = Message.heartbeat(Heartbeat(role: .actor, workerId: "actor-1", incarnation: 7, policyVersion: 0,
                                                       busySeconds: 0, idleSeconds: 0)).encoded()
                var subs: [ZMQSocket] = []
                for security in [outsider, SocketSecurity.none, guesser] {
                    for (type, endpoint, body) in [(SocketType.dealer, ports.work, hello), (.push, ports.trajectories, beat),
                                                   (.dealer, ports.verify, hello)] {
                        let sock = try ZMQSocket(context, type, security: security)
                        try sock.connect(endpoint)
                        _ = try sock.send(body, wait: false)
                        if type == .dealer, try sock.receive(timeout: 1) != nil { seen.note("answered", endpoint) }
                    }
                    let sub = try ZMQSocket(context, .sub, security: security)
                    try sub.subscribeAll()
                    try sub.connect(ports.weights)
                    subs.append(sub)
                }
                Thread.sleep(forTimeInterval: 1)  // weights are republished within 0.25 s of a hello; none may reach us
                for sub in subs where try sub.receive(timeout: 0.1) != nil { seen.note("weights", "received") }
                // A worker with a key outside the allow-list is told, not left waiting.
                var o = WorkerOptions(workerId: "outsider")
                o.basePort = c.basePort
                o.security = outsider
                let session = try WorkerSession(role: .verifier, options: o, log: { _ in })
                defer { session.close() }
                seen.note("outsider", Self.untilRefused(session, seconds: 10))
                // A second worker saying hello as the live actor-1 under another key.
                let end = Date().addingTimeInterval(30)
                while !cluster.output.contains("[learner] actor-1 joined"), Date() < end { Thread.sleep(forTimeInterval: 0.05) }
                let impostor = try WorkerSession(role: .actor, options: twin, log: { _ in })
                defer { impostor.close() }
                seen.note("twin", Self.untilRefused(impostor, seconds: 10))
            }
        }
        #expect(s.steps == 4 && s.ledger.lost == 0, "\(cluster.output)")
        #expect(ended)
        #expect(seen["answered"] == nil && seen["weights"] == nil, "no stranger got an answer or the weights")
        #expect(seen["outsider"]?.contains("refused this worker's key") == true, "\(seen["outsider"] ?? "")")
        // The outsider's four handshakes and its session's; the plain clients never reach the ZAP handler.
        #expect(s.security.refusedHandshakes >= 5, "\(s.security)\n\(cluster.output)")
        // Nothing from a stranger reached the learner's logic; the only rejects are the twin's
        // heartbeats, which claim actor-1 under the twin's key.
        #expect(s.rejectedMessages.values.reduce(0, +) == s.security.impostorMessages, "\(s.rejectedMessages) \(s.security)")
        #expect(cluster.output.contains("refused a handshake from 127.0.0.1"))
        // The plain and the guessing clients failed below ZAP: counted on every port, by reason,
        // the first few logged with their address.
        // (Which side notices a plain client first varies: "mechanism mismatch" or "dropped
        // during the handshake".)
        let knocks = s.security.failedHandshakes ?? [:]
        for port in ["work", "trajectories", "verify", "weights"] {
            #expect((knocks[port]?.values.reduce(0, +) ?? 0) >= 1, "\(port): \(knocks)")
        }
        #expect(knocks.values.contains { ($0["undecryptable handshake"] ?? 0) >= 1 }, "\(knocks)")
        #expect(cluster.output.contains("port from tcp://127.0.0.1:"), "\(cluster.output)")
        #expect(seen["twin"]?.contains("actor-1 is live under another key") == true, "\(seen["twin"] ?? "")")
        #expect(s.security.refusedHellos == 1)
    }

    @Test func aLyingVerifierIsQuarantinedAndItsWorkRescored() throws {
        let cluster = try InProcessCluster(steps: 4, extra: ["cluster.audit_fraction=1"], tcp: true)
        let seen = Outcome()
        // The liar is the only verifier until it is caught; an honest one joins after.
        let options = try cluster.options("liar")  // its key in the allow-list before the learner reads it
        let (s, ended) = try cluster.run(actors: 1, verifiers: 0) {
            cluster.spawn("then-honest") {
                let end = Date().addingTimeInterval(60)
                while seen["liar"] == nil, Date() < end { Thread.sleep(forTimeInterval: 0.05) }
                cluster.startVerifier("verifier-1")
            }
            cluster.spawn("liar") {
                let session = try WorkerSession(role: .verifier, options: options, log: { _ in })
                defer { session.close() }
                // Every completion right, whatever it says: the rewards a rogue would steer training with.
                seen.note("liar", Self.untilRefused(session, seconds: 60) { m in
                    guard case .scoreRequest(let r) = m else { return }
                    let lie = r.completions.map { _ in Score(reward: 1.1, correct: true, wellFormed: true, extracted: nil) }
                    try session.send(.scoreResult(ScoreResult(requestId: r.requestId, workerId: "liar", scores: lie)))
                })
            }
        }
        #expect(s.steps == 4 && s.ledger.lost == 0, "\(cluster.output)")
        #expect(ended)
        #expect(s.security.quarantinedVerifiers == 1 && s.security.auditMismatches >= 1, "\(s.security)\n\(cluster.output)")
        #expect(seen["liar"]?.contains("refused this worker") == true, "\(seen["liar"] ?? "")")
        #expect(cluster.output.contains("quarantined liar"))
    }

    @Test func anActorForgingLogprobsIsRefusedAndItsGroupsReissued() throws {
        let cluster = try InProcessCluster(steps: 6, extra: ["cluster.forgery_limit=2"], tcp: true)
        let seen = Outcome()
        // The forger is the only actor until it is refused; an honest one joins after.
        let options = try cluster.options("forger")  // its key in the allow-list before the learner reads it
        let (s, ended) = try cluster.run(actors: 0) {
            cluster.spawn("then-honest") {
                let end = Date().addingTimeInterval(60)
                while seen["forger"] == nil, Date() < end { Thread.sleep(forTimeInterval: 0.05) }
                cluster.startActor("actor-1")
            }
            let G = cluster.config.rl.groupSize
            cluster.spawn("forger") {
                let session = try WorkerSession(role: .actor, options: options, log: { _ in })
                defer { session.close() }
                let push = try session.makeSocket(.push)
                try push.connect(session.endpoints.trajectories)
                let weights = try session.makeSocket(.sub)
                try weights.subscribeAll()
                try weights.connect(session.endpoints.weights)
                seen.note("forger", Self.forge(session, push: push, weights: weights, groupSize: G))
            }
        }
        #expect(s.steps == 6 && s.ledger.lost == 0, "\(cluster.output)")
        #expect(ended)
        #expect(s.security.refusedActors == 1 && s.security.forgedGroups >= 2, "\(s.security)\n\(cluster.output)")
        #expect(s.ledger.droppedForged >= 2 && s.ledger.trained == 6 * 4)
        #expect(seen["forger"]?.contains("refused this worker") == true, "\(seen["forger"] ?? "")")
    }
}
