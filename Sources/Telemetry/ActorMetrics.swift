import Foundation
import Prometheus

/// A rollout actor's series: what it sampled, with which policy, how fast.
public final class ActorMetrics: @unchecked Sendable {
    public let registry: PrometheusCollectorRegistry
    private let lock = NSLock()
    private var lastBatchAt: Date?
    private var version: UInt64 = 0
    private let started = Date()
    private let groups, completions, tokens: Counter
    private let policyVersion: Gauge
    private let batchSeconds: ValueHistogram

    public init(worker: String, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let labels = [("worker", worker)]
        groups = registry.counter("actor", "groups_sampled", "Groups of G completions sampled and pushed", labels: labels)
        completions = registry.counter("actor", "completions", "Completions sampled", labels: labels)
        tokens = registry.counter("actor", "sampled_tokens", "Completion tokens sampled", labels: labels)
        policyVersion = registry.gauge("actor", "policy_version", "Version of the policy the actor samples with", labels: labels)
        batchSeconds = registry.seconds("actor", "batch", "Sampling one batch of prompts", buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60], labels: labels)
    }

    /// Records one sampled batch.
    public func record(groups g: Int, completions c: Int, tokens t: Int, seconds: Double, policyVersion v: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        groups.increment(by: Int64(g))
        completions.increment(by: Int64(c))
        tokens.increment(by: Int64(t))
        policyVersion.set(Double(v))
        batchSeconds.record(seconds)
        version = v
        lastBatchAt = Date()
    }

    /// `/health`: the actor is up; the JSON says when it last sampled.
    public func health() -> MetricsServer.Health {
        lock.lock()
        defer { lock.unlock() }
        var body: [String: Any] = ["role": "actor", "status": "ok", "policy_version": version,
                                   "uptime_seconds": Date().timeIntervalSince(started).rounded()]
        if let at = lastBatchAt { body["seconds_since_last_batch"] = (Date().timeIntervalSince(at) * 10).rounded() / 10 }
        return MetricsServer.Health(healthy: true, json: (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data())
    }
}
