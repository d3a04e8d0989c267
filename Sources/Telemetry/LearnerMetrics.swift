import Foundation
import Prometheus
import Trainer

/// The learner's series, named by Prometheus conventions (`nanoreasoner_learner_steps_total`,
/// base units, `_total` on counters), updated from each step's `StepMetrics`.
///
/// `StepMetrics` carries the ledger's and the broker's counts as running totals; the
/// counters here advance by the difference from the last step (a resumed run's first
/// step brings them to the run's totals).
public final class LearnerMetrics: @unchecked Sendable {
    public let registry: PrometheusCollectorRegistry
    private let lock = NSLock()
    private var last = StepMetrics(step: 0, policyVersion: 0)
    private var lastStepAt: Date?
    private let started = Date()

    private let steps, groupsTrained, groupsSampled, rejected, evaluations: Counter
    private let ledger: [(KeyPath<LedgerCounts, Int>, Counter)]
    private let policyVersion, reward, accuracy, formatRate, loss, kl, tokensPerSecond, stalenessMean, stalenessMax: Gauge
    private let inFlight, lostGroups, liveActors, liveVerifiers, passAt1, passAtK: Gauge
    private let updateSeconds, broadcastSeconds, stepSeconds: ValueHistogram
    /// `nanoreasoner_broker_failed_handshakes_total{port, reason}`, made as each pair first appears.
    private var failedHandshakes: [[String]: Counter] = [:]

    /// `evalK`: the k of the evaluations' pass@k besides pass@1 (`eval.samples`).
    public init(evalK: Int, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let r = registry
        let stepBuckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30]
        steps = r.counter("learner", "steps", "RL steps (policy updates) taken")
        groupsTrained = r.counter("learner", "groups_trained", "Groups of G completions trained on")
        groupsSampled = r.counter("learner", "groups_sampled", "Groups sampled and scored, used or not")
        rejected = r.counter("broker", "rejected_messages", "Messages the broker refused (malformed, oversized, wrong sender)")
        evaluations = r.counter("eval", "runs", "Held-out evaluations run")
        ledger = [
            (\.handedOut, r.counter("ledger", "groups_handed_out", "Groups handed to actors")),
            (\.scored, r.counter("ledger", "groups_scored", "Groups scored by verifiers")),
            (\.trained, r.counter("ledger", "groups_trained", "Groups settled as trained")),
            (\.droppedStale, r.counter("ledger", "groups_dropped_stale", "Groups dropped as too stale")),
            (\.droppedZeroVariance, r.counter("ledger", "groups_dropped_zero_variance", "Groups dropped for equal rewards")),
            (\.reissued, r.counter("ledger", "groups_reissued", "Groups handed out again (dead worker, timeout, staleness)")),
        ]
        policyVersion = r.gauge("learner", "policy_version", "Version of the newest policy (the update count)")
        reward = r.gauge("learner", "reward_mean", "Mean reward of the step's trained completions")
        accuracy = r.gauge("learner", "accuracy_mean", "Share of the step's trained completions that were right")
        formatRate = r.gauge("learner", "format_rate", "Share of the step's trained completions in the R1 template")
        loss = r.gauge("learner", "loss", "The step's policy loss")
        kl = r.gauge("learner", "kl", "KL to the reference policy")
        tokensPerSecond = r.gauge("learner", "sampled_tokens_per_second", "Completion tokens sampled per second over the step")
        stalenessMean = r.gauge("learner", "staleness_mean", "Mean policy versions between sampling and training")
        stalenessMax = r.gauge("learner", "staleness_max", "Most policy versions between sampling and training")
        inFlight = r.gauge("ledger", "groups_in_flight", "Groups handed out and not yet settled")
        lostGroups = r.gauge("ledger", "groups_lost", "Groups in no state at all (a bookkeeping bug if ever above 0)")
        liveActors = r.gauge("cluster", "workers_live", "Workers heard from within the timeout", labels: [("role", "actor")])
        liveVerifiers = r.gauge("cluster", "workers_live", "Workers heard from within the timeout", labels: [("role", "verifier")])
        passAt1 = r.gauge("eval", "pass_at", "Held-out pass@k of the latest evaluation", labels: [("k", "1")])
        passAtK = r.gauge("eval", "pass_at", "Held-out pass@k of the latest evaluation", labels: [("k", String(evalK))])
        updateSeconds = r.seconds("learner", "update", "Forward, backward and AdamW of a step", buckets: stepBuckets)
        broadcastSeconds = r.seconds("learner", "broadcast", "Publishing a step's weights", buckets: stepBuckets)
        stepSeconds = r.seconds("learner", "step", "A whole step, waiting included", buckets: stepBuckets)
    }

    /// Records one finished step.
    public func record(_ m: StepMetrics) {
        lock.lock()
        defer { lock.unlock() }
        let p = last
        steps.increment()
        groupsTrained.increment(by: Int64(m.groupsTrained))
        groupsSampled.increment(by: Int64(m.groupsSampled))
        rejected.increment(by: Int64(max(0, m.rejectedMessages - p.rejectedMessages)))
        for (path, c) in ledger { c.increment(by: Int64(max(0, m.ledger[keyPath: path] - p.ledger[keyPath: path]))) }
        policyVersion.set(Double(m.policyVersion + 1))
        reward.set(Double(m.reward))
        accuracy.set(Double(m.accuracy))
        formatRate.set(Double(m.formatRate))
        loss.set(Double(m.loss))
        kl.set(Double(m.kl))
        tokensPerSecond.set(m.sampledTokensPerSecond)
        stalenessMean.set(m.stalenessMean)
        stalenessMax.set(Double(m.stalenessMax))
        inFlight.set(Double(m.ledger.inFlight))
        lostGroups.set(Double(m.ledger.lost))
        liveActors.set(Double(m.liveActors))
        liveVerifiers.set(Double(m.liveVerifiers))
        updateSeconds.record(m.updateSeconds)
        if m.broadcastSeconds > 0 { broadcastSeconds.record(m.broadcastSeconds) }
        stepSeconds.record(m.stepSeconds)
        recordFailedHandshakes(m.security, since: p.security)
        last = m
        lastStepAt = Date()
    }

    /// Handshakes that failed below ZAP, by port and reason: strangers knocking.
    private func recordFailedHandshakes(_ now: SecurityCounts, since before: SecurityCounts) {
        for (port, reasons) in now.failedHandshakes ?? [:] {
            for (reason, n) in reasons {
                let counter = failedHandshakes[[port, reason]]
                    ?? registry.counter("broker", "failed_handshakes", "Handshakes that failed before the key check (wrong mechanism, undecryptable hello)",
                                        labels: [("port", port), ("reason", reason)])
                failedHandshakes[[port, reason]] = counter
                counter.increment(by: Int64(max(0, n - (before.failedHandshakes?[port]?[reason] ?? 0))))
            }
        }
    }

    /// Records a held-out evaluation.
    public func record(_ e: EvalPoint) {
        passAt1.set(e.passAt1)
        passAtK.set(e.passAtK)
        evaluations.increment()
    }

    /// `/health`: healthy while steps keep coming (or before the first); the JSON says where the run is.
    public func health(stallAfter: Double) -> MetricsServer.Health {
        lock.lock()
        defer { lock.unlock() }
        let since = Date().timeIntervalSince(lastStepAt ?? started)
        let healthy = lastStepAt == nil || since < stallAfter
        let body: [String: Any] = [
            "role": "learner", "status": healthy ? "ok" : "stalled", "step": last.step,
            "seconds_since_last_step": (since * 10).rounded() / 10, "uptime_seconds": Date().timeIntervalSince(started).rounded(),
            "live_actors": last.liveActors, "live_verifiers": last.liveVerifiers, "lost_groups": last.ledger.lost,
        ]
        return MetricsServer.Health(healthy: healthy, json: (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data())
    }
}
