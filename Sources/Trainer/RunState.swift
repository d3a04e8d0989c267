import Eval

/// A held-out evaluation during a run: before (step 0), periodic, after.
public struct EvalPoint: Codable, Sendable, Equatable {
    public var step: Int
    public var passAt1: Double
    public var passAtK: Double

    public init(step: Int, passAt1: Double, passAtK: Double) {
        self.step = step
        self.passAt1 = passAt1
        self.passAtK = passAtK
    }
}

/// What `--resume` needs besides weights and optimiser: where the run and its data stream stood.
public struct RunState: Codable, Sendable {
    public var step: Int
    public var cursor: Int
    /// Prompts handed out but not settled when the checkpoint was written; handed out first on resume.
    public var pending: [Int]
    public var ledger: LedgerCounts
    public var elapsedSeconds: Double
    public var seed: UInt64
    public var before: Evaluator.Report?
    /// Every held-out evaluation so far, for the plot.
    public var evals: [EvalPoint]
    /// The curriculum's statistics, so a resumed run accepts the same prompts.
    public var curriculum: PromptCurriculum?

    public static let file = "run_state.json"

    /// The ledger a resumed run continues with.
    public func ledger(maxInFlight: Int) -> WorkLedger {
        var l = WorkLedger(cursor: cursor, pending: pending, counts: ledger, maxInFlight: maxInFlight)
        l.curriculum = curriculum
        return l
    }
}

/// What a finished (or stopped) run reports, on screen and as `summary.json`.
public struct RunSummary: Codable, Sendable {
    public var algorithm: String
    public var steps: Int
    public var seconds: Double
    public var before: Evaluator.Report?
    public var after: Evaluator.Report?
    public var passAt1Gain: Double?
    public var ledger: LedgerCounts
    public var rejectedMessages: [String: Int]
    public var verifierTimeouts: Int
    /// What the learner refused or caught (handshakes, impostors, audits, forgeries).
    public var security: SecurityCounts
    public var stalenessMean: Double
    public var sampledTokensPerSecond: Double
    public var trajectoriesPerSecond: Double
    public var checkpoint: String
    public var log: String
    public var plot: String
    public var stoppedEarly: Bool
    /// Peak resident memory of the learner ("learner") and of each worker that reported it.
    public var peakResidentBytes: [String: UInt64]? = nil
}
