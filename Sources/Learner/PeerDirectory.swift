import Foundation

/// Who is on each connection of a router port. libzmq names connections (routing ids);
/// the hello says which worker is on one, and the handshake proved which key it holds.
///
/// The rule for an id said twice: an id belongs to the key that claimed it while that
/// worker is live. A hello from the same key (a restart, or a reconnect) takes the id over;
/// from another key it is refused until the first goes silent. Without CURVE every key is
/// nil, so any hello takes over: nothing can be proved.
struct PeerDirectory {
    struct Peer: Equatable {
        var workerId: String
        /// The client key the handshake proved (Z85), nil without CURVE.
        var key: String?
    }

    enum Admission: Equatable {
        case accepted
        case refused(String)
    }

    private(set) var byRoute: [[UInt8]: Peer] = [:]
    private(set) var routes: [String: [UInt8]] = [:]

    var count: Int { routes.count }
    func peer(at route: [UInt8]) -> Peer? { byRoute[route] }
    func route(of id: String) -> [UInt8]? { routes[id] }
    func key(of id: String) -> String? { routes[id].flatMap { byRoute[$0]?.key } }

    /// A hello on `route`; `live` says whether the id's current holder is still heard from.
    mutating func hello(route: [UInt8], workerId: String, key: String?, live: Bool) -> Admission {
        if let old = routes[workerId], let holder = byRoute[old], live, holder.key != key {
            return .refused("worker id \(workerId) is live under another key; give this worker its own --id")
        }
        if let old = routes[workerId] { byRoute[old] = nil }
        if let previous = byRoute[route] { routes[previous.workerId] = nil }  // the connection renamed itself
        routes[workerId] = route
        byRoute[route] = Peer(workerId: workerId, key: key)
        return .accepted
    }

    mutating func remove(_ id: String) {
        if let r = routes.removeValue(forKey: id) { byRoute[r] = nil }
    }
}

/// Workers refused for good, and why (a verifier caught lying, an actor forging log-probs):
/// one record per worker, looked up by its id (any connection, with or without CURVE) and,
/// with CURVE, by the key it proved (at the door, before it can say hello).
struct LockOuts {
    private var why: [String: String] = [:]
    /// Key (Z85) → the id locked out with it.
    private var idOfKey: [String: String] = [:]

    mutating func lockOut(_ id: String, key: String?, why reason: String) {
        why[id] = reason
        if let key { idOfKey[key] = id }
    }

    func reason(id: String) -> String? { why[id] }
    func reason(key: String) -> String? { idOfKey[key].flatMap { why[$0] } }
}

/// The learner's door for CURVE handshakes: lets in the allow-list's keys, except those
/// locked out for what they sent.
struct Gatekeeper {
    /// Public key (Z85) → the name `keygen` gave it.
    private(set) var allowed: [String: String]

    init(allowed: [String: String]) { self.allowed = allowed }

    /// Whether the handshake may complete, and why not.
    func admit(key: String?, lockOuts: LockOuts) -> (allow: Bool, reason: String) {
        guard let key else { return (false, "no CURVE key") }
        guard allowed[key] != nil else { return (false, "key \(key.prefix(8))… is not in allowed_workers") }
        if let why = lockOuts.reason(key: key) { return (false, "key of \(allowed[key]!) is locked out: \(why)") }
        return (true, "")
    }

    /// A newer allow-list (workers added or removed with `keygen` or by hand).
    mutating func replaceAllowList(_ list: [String: String]) { allowed = list }

    func name(of key: String?) -> String { key.flatMap { allowed[$0] } ?? "?" }
}
