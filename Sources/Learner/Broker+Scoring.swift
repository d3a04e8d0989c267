import Foundation
import Trainer
import Transport
import Verifier
import Wire
import Completions

extension Broker {
    /// Verifier messages: hello, results, heartbeats.
    func handleVerify(_ route: [UInt8], _ m: Message, _ key: String?, _ socket: ZMQSocket) {
        let now = Date()
        if case .hello(let h) = m, h.role == .verifier {
            guard admit(h, route: route, key: key, peers: &verifierPeers, live: pool.contains(h.workerId), socket: socket) else { return }
            pool.hello(h.workerId, incarnation: h.incarnation, now: now)
            log("\(h.workerId) joined from \(h.host)")
            _ = try? socket.send([route, welcome()], wait: false)
            return
        }
        // Presumed dead, reconnected, or this learner restarted: it must introduce itself again.
        guard let id = verifierPeers.peer(at: route)?.workerId, pool.contains(id) else { return tellToRejoin(route, on: socket) }
        switch m {
        case .scoreResult(let r):
            guard let p = pool.answered(r.requestId, by: id, now: now) else { return }  // answered after a retry elsewhere
            let G = workerSettings.groupSize
            guard r.scores.count == G, r.scores.allSatisfy({ $0.reward.isFinite }) else {
                reject(WireError.invalid("score result \(r.requestId) from \(id): \(r.scores.count) scores for \(G) completions"),
                       port: "verify", bytes: 0)
                retry(p, why: "bad result from \(id)")
                return
            }
            if let own = audit(p.request.trajectory), let why = disagreement(r.scores, own) {
                quarantine(verifier: id, why: "its scores for group \(r.requestId) differ from the learner's own: \(why)", on: socket)
                deliver(p.request.trajectory, scores: own)
                return
            }
            deliver(p.request.trajectory, scores: r.scores)
        case .heartbeat(let h):
            pool.heard(id, incarnation: h.incarnation, now: now)
        default:
            reject(WireError.invalid("unexpected \(m.type) on the verify port"), port: "verify", bytes: 0)
        }
    }

    /// The learner's own scores for a share (`cluster.audit_fraction`) of the groups, where
    /// the task's verifier is built in; nil for the rest.
    private func audit(_ t: TrajectoryGroup) -> [Score]? {
        guard workerSettings.externalVerifier.isEmpty, settings.auditFraction > 0,
              Double.random(in: 0..<1) < settings.auditFraction else { return nil }
        door.counts.auditedGroups += 1
        return scoreHere(t)
    }

    /// What differs between a verifier's scores and the learner's, or nil when they agree.
    private func disagreement(_ theirs: [Score], _ ours: [Score]) -> String? {
        for (i, (a, b)) in zip(theirs, ours).enumerated() where a.correct != b.correct || abs(a.reward - b.reward) > 1e-4 {
            door.counts.auditMismatches += 1
            return String(format: "completion %d: reward %.3f (correct %@), the learner's %.3f (correct %@)",
                          i, a.reward, a.correct ? "yes" : "no", b.reward, b.correct ? "yes" : "no")
        }
        return nil
    }

    private func scoreHere(_ t: TrajectoryGroup) -> [Score] {
        let p = problem(Int(t.promptIndex))
        return t.rollouts.map { localVerifier.score(prompt: p.prompt, completion: codec.text($0.tokens), answer: p.answer) }
    }

    /// Sends queued score requests to verifiers with free credit; scores in-process when
    /// the run has no verifier pool.
    func dispatchScores(_ socket: ZMQSocket) {
        if settings.verifiers == 0 {
            while let p = pool.takeQueued() { deliver(p.request.trajectory, scores: scoreHere(p.request.trajectory)) }
            return
        }
        while let (target, p) = pool.next(now: Date()) {
            guard let route = verifierPeers.route(of: target), (try? socket.send([route, p.request.message], wait: false)) == true else {
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
        arrivals.put(SourcedGroup(groupId: t.groupId, group: group, actor: t.workerId))
    }
}
