import Foundation
import Tasks
import Trainer
import Transport
import Wire
import Worker

/// The broker's actor side: hello, work requests against credits, trajectories checked
/// and queued for scoring, liveness.
extension Broker {
    func handleWork(_ route: [UInt8], _ m: Message, _ key: String?, _ socket: ZMQSocket) {
        let now = Date()
        switch m {
        case .hello(let h) where h.role == .actor:
            let id = h.workerId
            guard admit(h, route: route, key: key, peers: &actorPeers, live: actors.contains(id), socket: socket) else { return }
            if actors.hello(id, incarnation: h.incarnation, now: now) {
                // What the earlier incarnation held will never arrive.
                log("\(id) restarted: presumed dead; \(reissueHeld(by: id)) groups it held go back in the queue")
            }
            relays.leave(id)  // a new incarnation relays from a new port
            log("\(id) joined from \(h.host)")
            _ = try? socket.send([route, welcome()], wait: false)
            board.wantWeights()
            if workerSettings.referenceOnActors { board.wantReference() }
        case .workRequest(let r):
            // Not introduced (or presumed dead and back, or reconnected): it must say hello again.
            guard let id = actorPeers.peer(at: route)?.workerId,
                  actors.request(id, credits: Int(r.credits), version: r.policyVersion, now: now) else { return tellToRejoin(route, on: socket) }
            if r.policyVersion != policyVersion { board.wantWeights() }
            if workerSettings.referenceOnActors && !r.hasReference { board.wantReference() }
            if settings.weightFanout > 0 { noteRelay(of: id, r, peerAddress: socket.lastPeerAddress, now: now) }
        default:
            reject(WireError.invalid("unexpected \(m.type) on the work port"), port: "work", bytes: 0)
        }
    }

    /// An actor's relay, from its work request: placed in the tree (the routes are sent on the
    /// next housekeeping). Its route is sent again when it stays behind (a lost route message,
    /// or an upstream that died before anyone noticed).
    private func noteRelay(of id: String, _ r: WorkRequest, peerAddress: String?, now: Date) {
        guard !r.relayEndpoint.isEmpty else { return }
        guard let endpoint = RelayTree.endpoint(reported: r.relayEndpoint, peerAddress: peerAddress) else {
            return log("\(id) offers a weights relay at \(r.relayEndpoint) but its address is unknown: it is left out of the tree")
        }
        if !relays.join(.init(id: id, endpoint: endpoint, key: actorPeers.key(of: id))), r.policyVersion != policyVersion {
            relays.behind(id, now: now)
        }
    }

    /// Sends each relaying actor whose route changed its new one.
    func sendRoutes(on socket: ZMQSocket) {
        let now = Date()
        // Every relay admits every allowed, not locked-out worker: were it to admit only the
        // actors below it, one joining could connect before its upstream heard of it, and
        // libzmq does not always retry a handshake its ZAP handler refused (libzmq#3519).
        let members = door.admitted
        let (routes, newTree) = relays.due(members: members)
        if let newTree { log("weights relayed: " + newTree) }
        for (id, route) in routes {
            let ok = actorPeers.route(of: id).map { (try? socket.send([$0, Message.weightsRoute(route).encoded()], wait: false)) == true } ?? false
            relays.delivered(id, route, ok, now: now)
        }
    }

    /// Answers waiting work requests while the in-flight bound allows.
    func serveParkedRequests(_ socket: ZMQSocket) {
        guard isServing else { return }
        for (id, credits) in actors.waiting(at: policyVersion) {
            let given = ledger { $0.assign(to: id, credits: credits, prompt: { self.problem($0).prompt }) }
            if given.isEmpty { return }
            let batch = WorkBatch(assignments: given.map { g in
                Assignment(groupId: g.groupId, promptIndex: UInt64(g.promptIndex), prompt: promptTokens(g.promptIndex))
            })
            actors.served(id)
            guard let route = actorPeers.route(of: id),
                  (try? socket.send([route, Message.work(batch).encoded()], wait: false)) == true else {
                ledger { l in for g in given { l.reissue(g.groupId) } }
                continue
            }
        }
    }

    func promptTokens(_ index: Int) -> [Int32] { codec.promptIds(problem(index).prompt) }

    func handleTrajectory(_ m: Message, key: String?, _ sockets: Sockets) {
        let now = Date()
        switch m {
        case .heartbeat(let h) where h.role == .actor:
            guard owns(h.workerId, key: key, in: actorPeers, port: "trajectories") else { return }
            guard actors.contains(h.workerId) else { return askToRejoin(h.workerId, actorPeers, sockets.work, now) }
            if actors.heartbeat(h.workerId, incarnation: h.incarnation, version: h.policyVersion,
                                busy: h.busySeconds, idle: h.idleSeconds, now: now), h.policyVersion != policyVersion {
                board.wantWeights()
            }
            heardBeat(h, actorPeers, sockets.work, now)
        case .heartbeat(let h) where h.role == .verifier:
            guard owns(h.workerId, key: key, in: verifierPeers, port: "trajectories") else { return }
            // An idle verifier sends nothing else: its heartbeat is where we learn it is back.
            guard pool.contains(h.workerId) else { return askToRejoin(h.workerId, verifierPeers, sockets.verify, now) }
            pool.heard(h.workerId, incarnation: h.incarnation, now: now)
            heardBeat(h, verifierPeers, sockets.verify, now)
        case .trajectory(let t):
            guard owns(t.workerId, key: key, in: actorPeers, port: "trajectories") else { return }
            actors.heard(t.workerId, now: now)
            receive(t)
        default:
            reject(WireError.invalid("unexpected \(m.type) on the trajectories port"), port: "trajectories", bytes: 0)
        }
    }

    /// A live worker's heartbeat: its peak memory noted, and answered with the learner's own
    /// at most every two heartbeat intervals (while the learner evaluates, minutes with a real
    /// model, it hands out nothing, and a worker that hears nothing for its silence limit gives up).
    private func heardBeat(_ h: Heartbeat, _ peers: PeerDirectory, _ socket: ZMQSocket, _ now: Date) {
        if h.peakResidentBytes > 0 { workerMemory[h.workerId] = h.peakResidentBytes }
        let who = "\(h.role)/\(h.workerId)"
        guard let route = peers.route(of: h.workerId), now.timeIntervalSince(beatsAnswered[who] ?? .distantPast) > 2 * settings.heartbeatInterval
        else { return }
        beatsAnswered[who] = now
        let beat = Heartbeat(role: .learner, workerId: "learner", incarnation: runId, policyVersion: policyVersion,
                             busySeconds: 0, idleSeconds: 0)
        _ = try? socket.send([route, Message.heartbeat(beat).encoded()], wait: false)
    }

    /// A worker presumed dead (the learner stalled, or it did) is still beating: tell it, on
    /// the connection its last hello came on, to say hello again (at most once a second).
    private func askToRejoin(_ id: String, _ peers: PeerDirectory, _ socket: ZMQSocket, _ now: Date) {
        guard door.lockOuts.reason(id: id) == nil, let route = peers.route(of: id),
              now.timeIntervalSince(rejoinAsked[id] ?? .distantPast) > 1 else { return }
        rejoinAsked[id] = now
        tellToRejoin(route, on: socket)
    }

    /// A trajectory for a group in the ledger: checked, then queued for scoring.
    private func receive(_ t: TrajectoryGroup) {
        guard let problemIndex = ledger({ $0.prompt(of: t.groupId) }) else {
            _ = ledger { $0.receive(t.groupId) }  // counted as a duplicate
            return
        }
        if let holder = ledger({ $0.holder(of: t.groupId) }), holder != t.workerId {
            reject(WireError.invalid("trajectory \(t.groupId) from \(t.workerId): the group was handed to \(holder)"), port: "trajectories", bytes: 0)
            return
        }
        if let why = invalid(t, promptIndex: problemIndex) {
            reject(WireError.invalid("trajectory \(t.groupId) from \(t.workerId): \(why)"), port: "trajectories", bytes: 0)
            ledger { $0.reissue(t.groupId) }
            return
        }
        guard ledger({ $0.receive(t.groupId) }) else { return }  // late or duplicate
        let p = problem(problemIndex)
        let request = Message.scoreRequest(ScoreRequest(requestId: t.groupId, prompt: p.prompt, answer: p.answer,
                                                        completions: t.rollouts.map { codec.text($0.tokens) })).encoded()
        count { $0.trajectories += 1; $0.sampledTokens += t.rollouts.reduce(0) { $0 + $1.tokens.count } }
        pool.enqueue(t.groupId, ScoreJob(trajectory: t, message: request))
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
            if let ref = r.referenceLogprobs {
                if !workerSettings.referenceOnActors { return "reference log-probs nobody asked for" }
                if ref.contains(where: { !$0.isFinite || $0 > 1e-3 }) { return "reference log-prob not finite or positive" }
            }
        }
        return nil
    }

    func checkLiveness(_ now: Date) {
        for (id, seconds) in actors.silent(now: now, timeout: settings.workerTimeout) {
            lose(actor: id, why: String(format: "silent for %.1f s", seconds))
        }
        for (id, seconds, held) in pool.silent(now: now, timeout: settings.workerTimeout) {
            log(String(format: "\(id) silent for %.1f s: presumed dead; re-sending its %d score requests", seconds, held))
        }
    }

    /// Forgets an actor and hands out again every group it held.
    func lose(actor id: String, why: String) {
        let held = reissueHeld(by: id)
        actors.remove(id)
        relays.leave(id)
        log("\(id) \(why): presumed dead; \(held) groups it held go back in the queue")
    }

    /// Hands out again every group `id` holds and has not delivered; how many.
    private func reissueHeld(by id: String) -> Int {
        ledger { l in
            let held = l.held(by: id)
            for g in held { l.reissue(g) }
            return held.count
        }
    }
}
