import Wire

/// Who takes the weights from whom when actors relay them (`cluster.weight_fanout` f): the
/// learner serves the first f actors to offer a relay, each of those the next f, and so on,
/// in the order they joined. f = 1 is a chain: the learner's link carries one copy per
/// update however many actors there are, and each hop adds one part's transfer.
public struct RelayTree: Sendable {
    public struct Member: Equatable, Sendable {
        public var id: String
        /// Where its relay listens, as the other actors reach it.
        public var endpoint: String
        /// Its CURVE public key (nil on a plain-text cluster).
        public var key: String?
        public init(id: String, endpoint: String, key: String?) { self.id = id; self.endpoint = endpoint; self.key = key }
    }

    public let fanout: Int
    public private(set) var members: [Member] = []

    public init(fanout: Int) { self.fanout = max(fanout, 1) }

    /// Adds (or moves) an actor's relay; false when nothing changed.
    public mutating func join(_ m: Member) -> Bool {
        if let i = members.firstIndex(where: { $0.id == m.id }) {
            if members[i] == m { return false }
            members[i] = m
            return true
        }
        members.append(m)
        return true
    }

    /// Drops an actor (dead, restarted, gone); the actors below it move up. False when it was not in the tree.
    public mutating func leave(_ id: String) -> Bool {
        guard let i = members.firstIndex(where: { $0.id == id }) else { return false }
        members.remove(at: i)
        return true
    }

    /// The member index member `i` takes its weights from, nil for the learner.
    public func upstream(of i: Int) -> Int? { i / fanout == 0 ? nil : i / fanout - 1 }

    /// Every member's route. An empty upstream means the learner's weights port (the actor
    /// knows that address and key from its own options).
    public func routes() -> [String: WeightsRoute] {
        var below: [[String]] = members.map { _ in [] }
        for i in members.indices { if let u = upstream(of: i), let k = members[i].key { below[u].append(k) } }
        var out: [String: WeightsRoute] = [:]
        for (i, m) in members.enumerated() {
            let up = upstream(of: i).map { members[$0] }
            out[m.id] = WeightsRoute(upstream: up?.endpoint ?? "", upstreamKey: up?.key ?? "", downstreamKeys: below[i])
        }
        return out
    }

    /// Who serves whom, for the log: `learner → actor-1, actor-2; actor-1 → actor-3`.
    public var description: String {
        var below: [String: [String]] = [:]
        for i in members.indices { below[upstream(of: i).map { members[$0].id } ?? "learner", default: []].append(members[i].id) }
        return (["learner"] + members.map(\.id)).compactMap { u in below[u].map { "\(u) → " + $0.joined(separator: ", ") } }
            .joined(separator: "; ")
    }

    /// `tcp://*:PORT` as an actor reports it, with the address the learner sees it at; an
    /// `inproc://` name as it is; nil when the address is unknown.
    public static func endpoint(reported: String, peerAddress: String?) -> String? {
        if reported.hasPrefix("inproc://") { return reported }
        guard reported.hasPrefix("tcp://*:"), let port = reported.split(separator: ":").last, let a = peerAddress, !a.isEmpty else { return nil }
        return "tcp://" + (a.contains(":") ? "[\(a)]" : a) + ":" + port
    }
}
