import Foundation
import Transport
import Wire
import Worker

/// The broker's door: CURVE handshakes against the allow-list, the one rule for a worker
/// id said twice, the check that a message's claimed sender owns the key it came with, and
/// locking out workers caught sending what does not check out.
extension Broker {
    /// Answers the ZAP handler's questions (one per CURVE handshake on any port).
    func answerHandshakes(_ zap: ZAPServer) {
        while let r = zap.next() {
            var verdict = door.admit(key: r.clientKey)
            if !verdict.allow, let key = r.clientKey, door.gate?.allowed[key] == nil, rereadAllowList() {
                verdict = door.admit(key: key)
            }
            if verdict.allow {
                zap.answer(r, allow: true, userId: r.clientKey ?? "")
            } else {
                door.counts.refusedHandshakes += 1
                log("refused a handshake from \(r.address): \(verdict.reason)")
                zap.answer(r, allow: false, reason: verdict.reason)
            }
        }
    }

    /// Counts the handshakes that failed before the ZAP handler was asked (a plain client on a
    /// CURVE port, a CURVE client with a wrong server key, garbage), by port and reason, and
    /// logs the first few with the peer's address. (Those ZAP refused are counted there.)
    func watchDoor(_ monitors: [(port: String, monitor: SocketMonitor)]) {
        for (port, monitor) in monitors {
            for (event, address) in monitor.observed() {
                guard let reason = SocketMonitor.reason(event) else { continue }
                door.counts.countFailedHandshake(port: port, reason: reason)
                let total = door.counts.failedHandshakeTotal
                if total <= Self.loggedKnocks {
                    log("a handshake on the \(port) port from \(address) failed: \(reason)"
                        + (total == Self.loggedKnocks ? " (further ones are counted, not logged)" : ""))
                }
            }
        }
    }

    /// Failed handshakes logged one by one; the rest are only counted.
    static let loggedKnocks = 5

    /// Reads `allowed_workers` again (at most once a second: a stranger knocking in a loop
    /// must not make us read a file per knock); true when it was read.
    private func rereadAllowList() -> Bool {
        guard let dir = keys?.directory, door.mayRereadAllowList(now: Date()) else { return false }
        guard let fresh = try? ClusterKeys.learner(at: dir) else { return false }
        if fresh.allowed != door.gate?.allowed { log("allowed_workers changed: \(fresh.allowed.count) worker keys allowed") }
        door.gate?.replaceAllowList(fresh.allowed)
        return true
    }

    /// Whether a hello on `route` may join: not locked out, under the worker limit, and its
    /// id not live under another key (`PeerDirectory`'s rule). Refusals are said to the
    /// worker, logged and counted.
    func admit(_ h: Hello, route: [UInt8], key: String?, peers: inout PeerDirectory, live: Bool, socket: ZMQSocket) -> Bool {
        let why: String?
        if let locked = door.lockOuts.reason(id: h.workerId) {
            why = "\(h.workerId) is locked out: \(locked)"
        } else if !live, actors.count + pool.count >= settings.maxWorkers {
            why = "the learner admits at most \(settings.maxWorkers) workers (cluster.max_workers)"
        } else if case .refused(let r) = peers.hello(route: route, workerId: h.workerId, key: key, live: live) {
            why = r
        } else {
            why = nil
        }
        guard let why else { return true }
        door.counts.refusedHellos += 1
        log("refused hello from \(h.workerId) at \(h.host) (key of \(door.gate?.name(of: key) ?? "—")): \(why)")
        refuse(route, why: why, on: socket)
        return false
    }

    func refuse(_ route: [UInt8], why: String, on socket: ZMQSocket) {
        _ = try? socket.send([route, Message.shutdown(Shutdown(reason: Shutdown.refusedPrefix + why)).encoded()], wait: false)
    }

    /// Whether a message claiming to come from `id` came with `id`'s key (always, without
    /// CURVE). An impostor's message is counted and rejected.
    func owns(_ id: String, key: String?, in peers: PeerDirectory, port: String) -> Bool {
        // An id not yet introduced is not an impostor (a heartbeat can outrun the hello).
        guard let key, let owner = peers.key(of: id), owner != key else { return true }
        door.counts.impostorMessages += 1
        reject(WireError.invalid("message claims to be from \(id) but comes with the key of \(door.gate?.name(of: key) ?? "?")"),
               port: port, bytes: 0)
        return false
    }

    /// The training thread found a group from `id` with forged log-probs; after
    /// `cluster.forgery_limit` of them the actor is refused and what it holds re-issued.
    func recordForgery(by id: String, on socket: ZMQSocket) {
        let (count, refuseNow) = door.forged(by: id, limit: settings.forgeryLimit)
        log("group from \(id) has log-probs the policy does not give (\(count) of \(settings.forgeryLimit) allowed)")
        guard refuseNow else { return }
        let why = "\(count) groups whose log-probs the learner's recompute contradicts"
        let route = actorPeers.route(of: id)
        door.lockOut(id, key: actorPeers.key(of: id), why: why)
        lose(actor: id, why: "refused (\(why))")
        actorPeers.remove(id)
        if let route { refuse(route, why: why, on: socket) }
    }

    /// A verifier whose answer the learner's own verifier contradicts: refused for good, and
    /// what it holds goes to the others.
    func quarantine(verifier id: String, why: String, on socket: ZMQSocket) {
        door.counts.quarantinedVerifiers += 1
        let route = verifierPeers.route(of: id)
        door.lockOut(id, key: verifierPeers.key(of: id), why: why)
        let held = pool.remove(id)
        verifierPeers.remove(id)
        log("quarantined \(id): \(why); its \(held) pending score requests go to other verifiers")
        if let route { refuse(route, why: why, on: socket) }
    }
}
