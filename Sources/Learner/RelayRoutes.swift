import Foundation
import Wire
import Worker

/// The actors' weights relays as the broker routes them (`cluster.weight_fanout` > 0): the
/// tree in join order (`RelayTree`), the route each actor was last sent and when, and whether
/// some must be sent (again). The broker sends what `due` lists and says how each went.
struct RelayRoutes {
    private(set) var tree: RelayTree
    private var sent: [String: (route: WeightsRoute, at: Date)] = [:]
    /// Some actor's route differs from the one it was sent, or a send failed.
    private(set) var changed = false
    private var loggedTree = ""

    init(fanout: Int) { tree = RelayTree(fanout: fanout) }

    /// An actor offers its relay; false when it was in the tree already.
    mutating func join(_ m: RelayTree.Member) -> Bool {
        guard tree.join(m) else { return false }
        changed = true
        return true
    }

    /// An actor left (or restarted: a new incarnation relays from a new port).
    mutating func leave(_ id: String) { if tree.leave(id) { changed = true } }

    /// An actor in the tree still holds an old version: when its route went out more than 2 s
    /// ago (lost, or its upstream died before anyone noticed), it is sent again.
    mutating func behind(_ id: String, now: Date) {
        guard let s = sent[id], now.timeIntervalSince(s.at) > 2 else { return }
        sent[id] = nil
        changed = true
    }

    /// The routes to send now (each actor's whose route is not the one it was last sent),
    /// every relay admitting `members` (allowed, not locked-out keys) when given; and the
    /// tree's description when it changed since it was last returned (for the log).
    mutating func due(members: [String]?) -> (routes: [(id: String, route: WeightsRoute)], newTree: String?) {
        changed = false
        for id in sent.keys where !tree.members.contains(where: { $0.id == id }) { sent[id] = nil }
        var routes = tree.routes()
        if let members { for id in routes.keys { routes[id]!.downstreamKeys = members } }
        let newTree = tree.description != loggedTree ? tree.description : nil
        if let newTree { loggedTree = newTree }
        let due = routes.filter { sent[$0.key]?.route != $0.value }.map { (id: $0.key, route: $0.value) }
        return (due.sorted { $0.id < $1.id }, newTree)
    }

    /// `route` reached actor `id` (true) or could not be sent now (false: try again next turn).
    mutating func delivered(_ id: String, _ route: WeightsRoute, _ ok: Bool, now: Date) {
        if ok { sent[id] = (route, now) } else { changed = true }
    }
}
