import Foundation
import Policy

/// The rollout actor between messages, without sockets: which model it has built, which
/// weights version it holds, and whether a request for work is out. `RolloutActor.serve`
/// tells it what arrived and does what it says next; the tests drive it alone.
///
///     joining ──welcome──▶ awaitingWeights ──weights──▶ ready ──request──▶ waitingForWork
///                                                        ▲                      │
///                                                        └──────── work ────────┘
///
/// A welcome again (the learner restarted, or presumed us dead) goes back to `ready` when the
/// model still fits and weights are held, else to `awaitingWeights` with the model rebuilt.
struct ActorState {
    enum Phase: Equatable {
        /// Saying hello until the learner's welcome.
        case joining
        /// Welcomed and the model built, no weights yet: with a relay, offer it to the learner.
        case awaitingWeights
        /// Holds weights and asks for nothing yet: ask for work now.
        case ready
        /// A request for work is out.
        case waitingForWork
    }

    /// What a welcome means for the model.
    enum Model: Equatable {
        /// Build it (the first welcome, or the run's model is another).
        case build(ModelSpec, adapters: AdaptedBase?)
        /// The one held fits.
        case keep
    }

    private(set) var phase = Phase.joining
    /// The weights version held; nil before the first.
    private(set) var version: UInt64?
    /// What the held model was built from.
    private var built: (spec: ModelSpec, adapters: AdaptedBase?)?
    /// When the relay was last offered (at most every `relayOfferInterval` s).
    private var relayOffered = Date.distantPast
    static let relayOfferInterval = 2.0

    /// The learner welcomed us with its run's model.
    mutating func joined(model spec: ModelSpec, adapters: AdaptedBase?) -> Model {
        let fits = built.map { $0.spec == spec && $0.adapters == adapters } ?? false
        if !fits {
            built = (spec, adapters)
            version = nil
        }
        phase = version == nil ? .awaitingWeights : .ready
        return fits ? .keep : .build(spec, adapters: adapters)
    }

    /// Weights of version `v` arrived (their size already checked): whether to load them.
    /// Newer ones are; the first takes the actor to `ready`.
    mutating func weightsArrived(_ v: UInt64) -> Bool {
        guard built != nil, version.map({ v > $0 }) ?? true else { return false }
        version = v
        if phase == .awaitingWeights { phase = .ready }
        return true
    }

    /// A request for work went out.
    mutating func requestedWork() {
        precondition(phase == .ready || phase == .waitingForWork, "work is asked for only with weights")
        phase = .waitingForWork
    }

    /// Work arrived and was sampled: ask again.
    mutating func sampled() { if phase == .waitingForWork { phase = .ready } }

    /// Whether to offer the relay now (no weights come until the learner has routed it).
    mutating func offerRelay(now: Date) -> Bool {
        guard phase == .awaitingWeights, now.timeIntervalSince(relayOffered) > Self.relayOfferInterval else { return false }
        relayOffered = now
        return true
    }
}
