import Foundation
import Sampler
import Trainer
import Transport
import Verifier
import Wire

extension Broker {
    /// Verifier messages: hello, results, heartbeats.
    func handleVerify(_ id: String, _ m: Message, _ socket: ZMQSocket) {
        let now = Date()
        if verifiers[id] == nil, m.type != .hello {
            // Presumed dead, or this learner restarted: it must introduce itself again.
            _ = try? socket.send([Array(id.utf8), Message.shutdown(Shutdown(reason: Shutdown.rejoin)).encoded()], wait: false)
            if case .scoreResult = m {} else { return }
        }
        switch m {
        case .hello(let h) where h.role == .verifier:
            if let old = verifiers[id], old.incarnation != h.incarnation { requeueScores(of: id) }
            lock.lock(); verifiers[id] = VerifierWorker(incarnation: h.incarnation, lastSeen: now); lock.unlock()
            log("\(id) joined from \(h.host)")
            _ = try? socket.send([Array(id.utf8), welcome(id)], wait: false)
        case .scoreResult(let r):
            lock.lock()
            verifiers[id]?.lastSeen = now
            verifiers[id]?.outstanding.remove(r.requestId)
            lock.unlock()
            guard let o = outstanding.removeValue(forKey: r.requestId) else { return }  // answered after a retry elsewhere
            let G = workerSettings.groupSize
            guard r.scores.count == G, r.scores.allSatisfy({ $0.reward.isFinite }) else {
                reject(WireError.invalid("score result \(r.requestId) from \(id): \(r.scores.count) scores for \(G) completions"),
                       port: "verify", bytes: 0)
                retry(o.pending, why: "bad result from \(id)")
                return
            }
            deliver(o.pending.trajectory, scores: r.scores.map {
                Score(reward: $0.reward, correct: $0.correct, wellFormed: $0.wellFormed, extracted: $0.extracted, error: $0.error)
            }, tokens: o.pending.tokens)
        case .heartbeat(let h):
            if verifiers[id]?.incarnation == h.incarnation { lock.lock(); verifiers[id]?.lastSeen = now; lock.unlock() }
        default:
            reject(WireError.invalid("unexpected \(m.type) on the verify port"), port: "verify", bytes: 0)
        }
    }

    /// Sends queued score requests to verifiers with free credit (least loaded first);
    /// scores in-process when the run has no verifier pool.
    func dispatchScores(_ socket: ZMQSocket) {
        while !scoreQueue.isEmpty {
            if settings.verifiers == 0 {
                let p = scoreQueue.removeFirst()
                let answer = problem(Int(p.trajectory.promptIndex)).answer
                deliver(p.trajectory, scores: p.trajectory.rollouts.map {
                    localVerifier.score(completion: tokenizer.decode($0.tokens), answer: answer)
                }, tokens: p.tokens)
                continue
            }
            guard let (target, _) = verifiers.filter({ $0.value.outstanding.count < verifierCredits })
                .min(by: { $0.value.outstanding.count < $1.value.outstanding.count }) else { return }
            var p = scoreQueue.removeFirst()
            p.attempts += 1
            let id = p.trajectory.groupId
            guard (try? socket.send([Array(target.utf8), p.request], wait: false)) == true else {
                scoreQueue.insert(p, at: 0)
                return
            }
            outstanding[id] = Outstanding(pending: p, verifier: target, deadline: Date(timeIntervalSinceNow: settings.verifyTimeout))
            lock.lock(); verifiers[target]?.outstanding.insert(id); lock.unlock()
        }
    }

    /// Requests past their deadline go to another verifier; after `verifyRetries` the group is re-issued.
    func checkScoreDeadlines(_ now: Date) {
        for (id, o) in outstanding where o.deadline < now {
            outstanding[id] = nil
            lock.lock()
            verifiers[o.verifier]?.outstanding.remove(id)
            verifierTimeoutsTotal += 1
            window.verifierTimeouts += 1
            lock.unlock()
            log(String(format: "score request %llu timed out on %@ after %.1f s (attempt %d)",
                       id, o.verifier, settings.verifyTimeout, o.pending.attempts))
            retry(o.pending, why: "timed out on \(o.verifier)")
        }
    }

    /// A restarted verifier's old requests will never be answered: send them elsewhere now.
    func requeueScores(of verifier: String) {
        for (id, o) in outstanding where o.verifier == verifier {
            outstanding[id] = nil
            scoreQueue.insert(o.pending, at: 0)
        }
        lock.lock(); verifiers[verifier]?.outstanding = []; lock.unlock()
    }

    func retry(_ p: PendingScore, why: String) {
        if p.attempts >= settings.verifyRetries {
            log("group \(p.trajectory.groupId): no verifier scored it (\(why)); its prompt is handed out again")
            ledger { $0.reissue(p.trajectory.groupId) }
        } else {
            scoreQueue.insert(p, at: 0)
        }
    }

    private func deliver(_ t: TrajectoryGroup, scores: [Score], tokens: Int) {
        let text = problem(Int(t.promptIndex)).prompt
        guard ledger({ $0.score(t.groupId, correct: scores.filter(\.correct).count, total: scores.count, prompt: text) }) else { return }
        let completions = t.rollouts.map { Completion(tokens: $0.tokens, logprobs: $0.logprobs, stopped: $0.stopped) }
        let group = ScoredGroup(prompt: t.prompt, completions: completions, scores: scores, policyVersion: Int(t.policyVersion))
        arrivals.put(SourcedGroup(groupId: t.groupId, group: group))
    }
}
