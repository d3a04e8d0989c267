import Kernels

/// A scored group handed to the run, with the ledger's id for it.
public struct SourcedGroup: Sendable {
    public var groupId: UInt64
    public var group: ScoredGroup
    /// The worker that sampled it ("" in-process).
    public var actor: String
    public init(groupId: UInt64, group: ScoredGroup, actor: String = "") {
        self.groupId = groupId
        self.group = group
        self.actor = actor
    }
}

/// What a source did since the run last asked (one step's worth).
public struct SourceWindow: Sendable {
    public var sampledTokens = 0
    public var trajectories = 0
    /// Seconds spent sampling, when the source knows them (the in-process sampler); the
    /// cluster's actors sample beside the update, so their rate is taken over the whole step.
    public var samplingSeconds: Double?
    public var wireBytes = 0
    /// Trajectory payload bytes before LZ4.
    public var payloadBytes = 0
    public var publishSeconds = 0.0
    public init() {}
}

/// What the learner refused or caught, since the run started (zero for the in-process source).
public struct SecurityCounts: Codable, Sendable, Equatable {
    /// CURVE handshakes the ZAP handler refused (key not allowed, or locked out).
    public var refusedHandshakes = 0
    /// Hellos refused (a live id claimed under another key, a locked-out worker, too many workers).
    public var refusedHellos = 0
    /// Messages claiming a worker id their sender's key does not own.
    public var impostorMessages = 0
    /// Verifier answers checked against the learner's own verifier, and those that disagreed.
    public var auditedGroups = 0
    public var auditMismatches = 0
    public var quarantinedVerifiers = 0
    /// Groups whose behaviour log-probs did not match the learner's recompute (dropped).
    public var forgedGroups = 0
    public var refusedActors = 0
    /// Handshakes that failed below the ZAP handler (a plain client on a CURVE port, a wrong
    /// server key, garbage): port → reason → count. Nil until the first (and in summaries
    /// written before these were counted).
    public var failedHandshakes: [String: [String: Int]]?
    public init() {}

    public mutating func countFailedHandshake(port: String, reason: String) {
        var counts = failedHandshakes ?? [:]
        counts[port, default: [:]][reason, default: 0] += 1
        failedHandshakes = counts
    }

    /// Every failed handshake on every port.
    public var failedHandshakeTotal: Int { (failedHandshakes ?? [:]).values.reduce(0) { $0 + $1.values.reduce(0, +) } }
}

/// The cluster's side of a step's metrics (zero for the in-process source).
public struct SourceHealth: Sendable {
    public var security = SecurityCounts()
    public var liveActors = 0
    public var liveVerifiers = 0
    public var actorIdleFraction = 0.0
    public var rejectedMessages: [String: Int] = [:]
    public var verifierTimeouts = 0
    /// Each worker's peak resident memory, from its heartbeats.
    public var workerPeakResidentBytes: [String: UInt64] = [:]
    public init() {}
}

/// Where an `RLRun` gets scored groups: the in-process sampler (`LocalSource`, what
/// `train` runs) or the cluster's broker (what `learner` runs). The run owns the step;
/// the source owns sampling and scoring, and the ledger every group is recorded in.
public protocol GroupSource: AnyObject {
    /// Scored groups as they become available, waiting up to `timeout` seconds for the
    /// first. `need` is how many the step still lacks (a source may sample that many).
    func take(need: Int, timeout: Double) throws -> [SourcedGroup]
    /// Reads or changes the ledger (every group's fate, the prompt stream, the curriculum).
    func ledger<T>(_ body: (inout WorkLedger) -> T) -> T
    /// The policy was updated to `version`: sample from it from now on.
    func publish(_ policy: any CausalLM, version: Int)
    /// The run's frozen reference, for samplers that compute its log-probs themselves.
    func publishReference(_ reference: any CausalLM)
    /// Threads the update may use while the source samples beside it (nil: all cores).
    var updateThreads: Int? { get }
    /// Counters since the last call.
    func takeWindow() -> SourceWindow
    var health: SourceHealth { get }
    /// No more work is handed out (the run is ending; the final evaluation may take every core).
    func stopServing()
    /// These groups' log-probs did not check out: whoever sampled them is told (and refused
    /// after `cluster.forgery_limit`). The groups are already dropped from the step.
    func forged(_ groups: [SourcedGroup])
    /// Ends the source: workers are told to stop.
    func close(reason: String)
}

extension GroupSource {
    /// Sources whose samplers leave the reference to the learner need not hear of it.
    public func publishReference(_ reference: any CausalLM) {}
}
