/// The message types of protocol version 1 (numbers are part of the protocol: never reuse one).
public enum MessageType: UInt8, CaseIterable, Sendable {
    case hello = 1
    case welcome = 2
    case workRequest = 3
    case work = 4
    case trajectory = 5
    case scoreRequest = 6
    case scoreResult = 7
    case heartbeat = 8
    case weights = 9
    case shutdown = 10
    /// The run's frozen reference policy, for actors that compute the KL term's log-probs.
    case reference = 11
    /// A slice of a weights message, for actors that relay the weights to other actors (v4).
    case weightsPart = 12
    /// The learner tells a relaying actor where its weights come from and who may take them (v4).
    case weightsRoute = 13
}

/// Which process sent a message.
public enum Role: UInt8, Sendable, CustomStringConvertible {
    case learner = 1, actor = 2, verifier = 3

    public var description: String {
        switch self {
        case .learner: return "learner"
        case .actor: return "actor"
        case .verifier: return "verifier"
        }
    }
}
