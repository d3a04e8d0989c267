import Foundation
import Transport
import Verifier
import Wire
import Worker

/// One process of the verifier pool: takes score requests from the learner, scores each
/// completion (the built-in arithmetic checker, or the run's external verifier command)
/// and sends the scores back.
public final class VerifierService {
    let options: WorkerOptions
    let log: (String) -> Void
    let context: ZMQContext?
    let endpoints: Endpoints?

    /// `context` and `endpoints`: for a verifier thread in the learner's process (`inproc://`).
    public init(options: WorkerOptions, context: ZMQContext? = nil, endpoints: Endpoints? = nil, log: @escaping (String) -> Void) {
        self.options = options
        self.context = context
        self.endpoints = endpoints
        self.log = log
    }

    /// Scores one completion with what the learner's settings ask for.
    typealias Scorer = (_ request: ScoreRequest, _ completion: String) -> Score

    public func run() throws {
        let session = try WorkerSession(role: .verifier, options: options, context: context, endpoints: endpoints, log: log)
        defer { session.close() }
        var scorer: Scorer?
        var idleSince = Date()
        while true {
            try session.keepAlive()
            guard let event = try session.receive(timeout: 0.5) else { continue }
            switch event {
            case .joined(_, _, let s):
                scorer = try makeScorer(s)
            case .message(.scoreRequest(let r)):
                session.record(idle: Date().timeIntervalSince(idleSince))
                let start = Date()
                let scores = r.completions.map { text in
                    scorer?(r, text) ?? Score(reward: 0, correct: false, wellFormed: false, extracted: nil, error: "verifier has no settings yet")
                }
                try session.send(.scoreResult(ScoreResult(requestId: r.requestId, workerId: options.workerId, scores: scores)))
                session.record(busy: Date().timeIntervalSince(start))
                idleSince = Date()
            case .message(let m):
                session.unexpected(m, port: "verify")
            case .shutdown:
                return try session.finish()
            }
        }
    }

    private func makeScorer(_ s: WorkerSettings) throws -> Scorer {
        let verifier = try RunVerifier(reward: s.reward, externalCommand: s.externalVerifier, timeout: s.externalVerifierTimeout)
        if !s.externalVerifier.isEmpty { log("scoring with \(verifier.name)") }
        return { r, text in verifier.score(prompt: r.prompt, completion: text, answer: r.answer) }
    }
}
