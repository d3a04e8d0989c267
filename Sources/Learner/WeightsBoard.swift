import Foundation

/// What the broker publishes on the weights port, and when: the newest weights and the frozen
/// reference (encoded messages), whether some worker lacks either, and the pacing of the
/// publications. PUB/SUB loses what is sent before a subscriber connects, so a worker that
/// joins or reports an old version asks for them again; the broker sends what `republish`
/// picks.
struct WeightsBoard {
    /// The newest weights: the version counted by the run, and the encoded message.
    private(set) var latest: (version: UInt64, bytes: [UInt8])?
    /// The frozen reference (a `.reference` message), for actors that compute its log-probs.
    private(set) var reference: [UInt8]?
    private var weightsWanted = false, referenceWanted = false
    private var lastPublish = Date.distantPast
    /// When each was last published again for a worker that lacked it.
    private var lastWeights = Date.distantPast, lastReference = Date.distantPast
    /// At most one publication per this many seconds beyond the new versions themselves.
    static let gap = 0.25

    /// The policy version workers should hold (0 before the first weights).
    var version: UInt64 { latest?.version ?? 0 }

    /// New weights from the training thread (published at once by the caller).
    mutating func newWeights(version: UInt64, bytes: [UInt8], now: Date) {
        latest = (version, bytes)
        lastPublish = now
    }

    /// The reference from the training thread (published at once by the caller).
    mutating func newReference(_ bytes: [UInt8], now: Date) {
        reference = bytes
        lastPublish = now
    }

    /// Some worker joined or holds an older version.
    mutating func wantWeights() { weightsWanted = true }
    /// Some actor that should hold the reference does not.
    mutating func wantReference() { referenceWanted = true }

    enum Publication: Equatable {
        case reference([UInt8])
        case weights(version: UInt64, bytes: [UInt8])
    }

    /// What to publish again now, if anything (and it counts as published). With both wanted,
    /// the one sent longer ago goes first: weights first always starved the reference, since
    /// in an asynchronous run some actor is always a version behind.
    mutating func republish(now: Date) -> Publication? {
        guard now.timeIntervalSince(lastPublish) > Self.gap else { return nil }
        if referenceWanted, let r = reference, !weightsWanted || latest == nil || lastReference <= lastWeights {
            referenceWanted = false
            (lastReference, lastPublish) = (now, now)
            return .reference(r)
        }
        if weightsWanted, let w = latest {
            weightsWanted = false
            (lastWeights, lastPublish) = (now, now)
            return .weights(version: w.version, bytes: w.bytes)
        }
        return nil
    }
}
