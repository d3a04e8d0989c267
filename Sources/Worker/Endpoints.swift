/// The learner's four ports.
public struct Endpoints: Sendable, Equatable {
    public var work: String
    public var trajectories: String
    public var weights: String
    public var verify: String

    public init(host: String, basePort: Int) {
        let h = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        work = "tcp://\(h):\(basePort)"
        trajectories = "tcp://\(h):\(basePort + 1)"
        weights = "tcp://\(h):\(basePort + 2)"
        verify = "tcp://\(h):\(basePort + 3)"
    }

    /// In-process endpoints (`inproc://NAME-work`…), for a cluster of threads sharing one context.
    public init(inproc name: String) {
        work = "inproc://\(name)-work"
        trajectories = "inproc://\(name)-trajectories"
        weights = "inproc://\(name)-weights"
        verify = "inproc://\(name)-verify"
    }

    public var all: [(name: String, endpoint: String)] {
        [("work", work), ("trajectories", trajectories), ("weights", weights), ("verify", verify)]
    }
}
