import TinyGPT

/// A scored group handed to the run, with the ledger's id for it.
public struct SourcedGroup: Sendable {
    public var groupId: UInt64
    public var group: ScoredGroup
    public init(groupId: UInt64, group: ScoredGroup) {
        self.groupId = groupId
        self.group = group
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

/// The cluster's side of a step's metrics (zero for the in-process source).
public struct SourceHealth: Sendable {
    public var liveActors = 0
    public var liveVerifiers = 0
    public var actorIdleFraction = 0.0
    public var rejectedMessages: [String: Int] = [:]
    public var verifierTimeouts = 0
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
    func publish(_ policy: GPT, version: Int)
    /// Threads the update may use while the source samples beside it (nil: all cores).
    var updateThreads: Int? { get }
    /// Counters since the last call.
    func takeWindow() -> SourceWindow
    var health: SourceHealth { get }
    /// No more work is handed out (the run is ending; the final evaluation may take every core).
    func stopServing()
    /// Ends the source: workers are told to stop.
    func close(reason: String)
}
