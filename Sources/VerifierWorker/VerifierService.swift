import Cluster
import Foundation
import Transport
import Verifier
import Wire

public struct VerifierOptions: Sendable {
    public var learnerHost = "127.0.0.1"
    public var basePort = 5555
    public var workerId = "verifier-\(getpid())"
    public var watchParent = false
    public var silenceLimit = 300.0
    public init() {}
}

/// One process of the verifier pool: takes score requests from the learner, scores each
/// completion (the built-in arithmetic checker, or the run's external verifier command)
/// and sends the scores back. A bad request is logged and answered with zero scores.
public final class VerifierService {
    let options: VerifierOptions
    let log: (String) -> Void
    let incarnation = makeIncarnation()
    private let lock = NSLock()
    private var busy = 0.0, idle = 0.0

    public init(options: VerifierOptions, log: @escaping (String) -> Void) {
        self.options = options
        self.log = log
    }

    public func run() throws {
        let context = ZMQContext()
        let endpoints = Endpoints(host: options.learnerHost, basePort: options.basePort)
        let socket = try ZMQSocket(context, .dealer)
        try socket.setIdentity(options.workerId)
        try socket.setSendTimeout(10)
        try socket.connect(endpoints.verify)
        let rejects = RejectCounter(log: log)
        Heartbeater(context: context, endpoint: endpoints.trajectories, interval: 0.5, watchParent: options.watchParent) { [self] in
            lock.lock(); defer { lock.unlock() }
            return .heartbeat(Heartbeat(role: .verifier, workerId: options.workerId, incarnation: incarnation, policyVersion: 0,
                                        busySeconds: busy, idleSeconds: idle))
        }.start()
        let hello = Message.hello(Hello(role: .verifier, workerId: options.workerId, incarnation: incarnation,
                                        host: ProcessInfo.processInfo.hostName)).encoded()
        var builtIn: ArithmeticVerifier?
        var external: ExternalVerifier?
        var lastHello = Date.distantPast, lastHeard = Date(), idleSince = Date()
        log("connecting to \(endpoints.verify)")
        while true {
            if builtIn == nil && external == nil, Date().timeIntervalSince(lastHello) > 2 {
                try socket.send(hello)
                lastHello = Date()
            }
            if Date().timeIntervalSince(lastHeard) > options.silenceLimit {
                throw VerifierServiceError.learnerUnreachable(endpoints.verify, options.silenceLimit)
            }
            guard let frames = try socket.receive(timeout: 0.5), let body = frames.last else { continue }
            lastHeard = Date()
            let message: Message
            do { message = try Message.decode(body) } catch {
                rejects.reject(error, port: "verify", bytes: body.count)
                continue
            }
            switch message {
            case .welcome(let w):
                guard let s = try? JSONDecoder().decode(WorkerSettings.self, from: Data(w.settingsJSON.utf8)) else {
                    log("the learner's settings do not decode; is it a different NanoReasoner version?")
                    continue
                }
                builtIn = ArithmeticVerifier(config: s.reward)
                if !s.externalVerifier.isEmpty {
                    external = try ExternalVerifier(command: s.externalVerifier.split(separator: " ").map(String.init),
                                                    timeout: s.externalVerifierTimeout)
                    log("scoring with `\(s.externalVerifier)`")
                }
                log("joined run \(w.runId)")
            case .scoreRequest(let r):
                lock.lock(); idle += Date().timeIntervalSince(idleSince); lock.unlock()
                let start = Date()
                let scores: [ScoreItem] = r.completions.map { text in
                    let s = external?.score(prompt: r.prompt, completion: text, answer: r.answer)
                        ?? builtIn?.score(completion: text, answer: r.answer)
                        ?? Score(reward: 0, correct: false, wellFormed: false, extracted: nil, error: "verifier has no settings yet")
                    return ScoreItem(reward: s.reward, correct: s.correct, wellFormed: s.wellFormed, extracted: s.extracted, error: s.error)
                }
                try socket.send(Message.scoreResult(ScoreResult(requestId: r.requestId, workerId: options.workerId, scores: scores)).encoded())
                lock.lock(); busy += Date().timeIntervalSince(start); lock.unlock()
                idleSince = Date()
            case .shutdown(let s) where s.reason == Shutdown.rejoin:
                builtIn = nil
                external = nil
                lastHello = .distantPast
            case .shutdown(let s):
                log("learner says shutdown: \(s.reason)")
                return
            default:
                rejects.reject(WireError.invalid("unexpected \(message.type) from the learner"), port: "verify", bytes: body.count)
            }
        }
    }
}

public enum VerifierServiceError: Error, CustomStringConvertible {
    case learnerUnreachable(String, Double)
    public var description: String {
        switch self {
        case .learnerUnreachable(let e, let s):
            return "no word from the learner at \(e) for \(Int(s)) s; is it running, and is the port reachable from here?"
        }
    }
}
