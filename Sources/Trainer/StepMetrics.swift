import Verifier

/// One line of a run's `metrics.jsonl`, the same for `train` and the cluster (the
/// cluster's fields stay 0 in `train`).
public struct StepMetrics: Codable, Sendable {
    public var step: Int
    /// The policy version the step started from (= step − 1: the version is the update count).
    public var policyVersion: Int
    public var reward: Float = 0
    public var accuracy: Float = 0
    public var formatRate: Float = 0
    public var loss: Float = 0
    public var kl: Float = 0
    public var entropy: Float = 0
    public var clipFraction: Float = 0
    /// PPO's clipped value loss (first pass); nil for the other algorithms.
    public var valueLoss: Float?
    public var completionLength: Float = 0
    public var gradNorm: Float = 0
    public var lr: Float = 0
    /// Of the fresh groups that arrived this step, the share whose rewards were all equal.
    public var zeroVarianceFraction: Float = 0
    public var groupsTrained = 0
    /// Groups the source delivered during the step (sampled and scored), used or not.
    public var groupsSampled = 0
    /// Fresh groups the step looked at (trained, zero-variance and surplus).
    public var groupsArrived = 0
    public var groupsZeroVariance = 0
    public var groupsDroppedStale = 0
    public var stalenessMean: Double = 0
    public var stalenessMax = 0
    public var sampledTokensPerSecond: Double = 0
    public var trajectoriesPerSecond: Double = 0
    /// Time the step waited for scored groups (in `train`: sampling and scoring them).
    public var waitSeconds: Double = 0
    /// Forward + backward + AdamW (every pass, and the reference's scoring).
    public var updateSeconds: Double = 0
    public var stepSeconds: Double = 0
    public var elapsedSeconds: Double = 0
    // The cluster's.
    public var wireBytes = 0
    /// Payload bytes before LZ4 over bytes on the wire, for trajectories.
    public var compressionRatio: Double = 0
    public var broadcastSeconds: Double = 0
    public var liveActors = 0
    public var liveVerifiers = 0
    public var actorIdleFraction: Double = 0
    public var rejectedMessages = 0
    public var verifierTimeouts = 0
    /// Mean |behaviour − recomputed log-prob| per token of the trained groups.
    public var behaviourGap: Float = 0
    public var security = SecurityCounts()
    public var ledger = LedgerCounts()
    /// Set on evaluation steps.
    public var evalPassAt1: Double?
    public var evalPassAtK: Double?

    public init(step: Int, policyVersion: Int) {
        self.step = step
        self.policyVersion = policyVersion
    }

    /// Mean reward, accuracy and format rate of the trained completions.
    public mutating func record(scores: [Score]) {
        guard !scores.isEmpty else { return }
        let n = Float(scores.count)
        reward = scores.reduce(0) { $0 + $1.reward } / n
        accuracy = Float(scores.filter(\.correct).count) / n
        formatRate = Float(scores.filter(\.wellFormed).count) / n
    }

    public mutating func record(_ u: UpdateStats) {
        loss = u.loss
        kl = u.kl
        entropy = u.entropy
        clipFraction = u.clipFraction
        gradNorm = u.gradNorm
        lr = u.lr
        completionLength = u.completionLength
        behaviourGap = u.behaviourGap
        valueLoss = u.valueLoss
    }

    /// Throughput and wire counters of the source's window over this step.
    public mutating func record(_ w: SourceWindow) {
        let over = max(w.samplingSeconds ?? stepSeconds, 1e-9)
        groupsSampled = w.trajectories
        sampledTokensPerSecond = Double(w.sampledTokens) / over
        trajectoriesPerSecond = Double(w.trajectories) / over
        wireBytes = w.wireBytes
        compressionRatio = w.wireBytes > 0 ? Double(w.payloadBytes) / Double(w.wireBytes) : 0
        broadcastSeconds = w.publishSeconds
    }

    public mutating func record(_ h: SourceHealth) {
        liveActors = h.liveActors
        liveVerifiers = h.liveVerifiers
        actorIdleFraction = h.actorIdleFraction
        rejectedMessages = h.rejectedMessages.values.reduce(0, +)
        verifierTimeouts = h.verifierTimeouts
        security = h.security
    }
}
