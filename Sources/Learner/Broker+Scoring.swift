import Foundation
import Trainer
import Transport
import Verifier
import Wire
import Completions

extension Broker {
    /// Verifier messages: hello, results, heartbeats.
    func handleVerify(_ id: String, _ m: Message, _ socket: ZMQSocket) {
        let now = Date()
        if !pool.contains(id), m.type != .hello {
            // Presumed dead, or this learner restarted: it must introduce itself again.
            tellToRejoin(id, on: socket)
            if case .scoreResult = m {} else { return }
        }
        switch m {
        case .hello(let h) where h.role == .verifier:
            pool.hello(id, incarnation: h.incarnation, now: now)
            log("\(id) joined from \(h.host)")
            _ = try? socket.send([Array(id.utf8), welcome()], wait: false)
        case .scoreResult(let r):
            guard let p = pool.answered(r.requestId, by: id, now: now) else { return }  // answered after a retry elsewhere
            let G = workerSettings.groupSize
            guard r.scores.count == G, r.scores.allSatisfy({ $0.reward.isFinite }) else {
                reject(WireError.invalid("score result \(r.requestId) from \(id): \(r.scores.count) scores for \(G) completions"),
                       port: "verify", bytes: 0)
                retry(p, why: "bad result from \(id)")
                return
            }
            deliver(p.request.trajectory, scores: r.scores)
        case .heartbeat(let h):
            pool.heard(id, incarnation: h.incarnation, now: now)
        default:
            reject(WireError.invalid("unexpected \(m.type) on the verify port"), port: "verify", bytes: 0)
        }
    }

    /// Sends queued score requests to verifiers with free credit; scores in-process when
    /// the run has no verifier pool.
    func dispatchScores(_ socket: ZMQSocket) {
        if settings.verifiers == 0 {
            while let p = pool.takeQueued() {
                let answer = problem(Int(p.request.trajectory.promptIndex)).answer
                deliver(p.request.trajectory, scores: p.request.trajectory.rollouts.map {
                    localVerifier.score(completion: tokenizer.decode($0.tokens), answer: answer)
                })
            }
            return
        }
        while let (target, p) = pool.next(now: Date()) {
            guard (try? socket.send([Array(target.utf8), p.request.message], wait: false)) == true else {
                pool.unsent(p.groupId)
                return
            }
        }
    }

    /// Requests past their deadline go to another verifier; after `verify_retries` the group is re-issued.
    func checkScoreDeadlines(_ now: Date) {
        for o in pool.expired(now: now) {
            recordTimeout()
            log(String(format: "score request %llu timed out on %@ after %.1f s (attempt %d)",
                       o.pending.groupId, o.verifier, settings.verifyTimeout, o.pending.attempts))
            retry(o.pending, why: "timed out on \(o.verifier)")
        }
    }

    func retry(_ p: VerifierPool<ScoreJob>.Pending, why: String) {
        guard !pool.retry(p) else { return }
        log("group \(p.groupId): no verifier scored it (\(why)); its prompt is handed out again")
        ledger { $0.reissue(p.groupId) }
    }

    private func deliver(_ t: TrajectoryGroup, scores: [Score]) {
        let text = problem(Int(t.promptIndex)).prompt
        guard ledger({ $0.score(t.groupId, correct: scores.filter(\.correct).count, total: scores.count, prompt: text) }) else { return }
        let group = ScoredGroup(prompt: t.prompt, completions: t.rollouts, scores: scores, policyVersion: Int(t.policyVersion))
        arrivals.put(SourcedGroup(groupId: t.groupId, group: group))
    }
}
