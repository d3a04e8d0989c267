import Actor
import ArgumentParser
import Cluster
import Foundation
import Telemetry
import Trainer

/// Serves the run's `/metrics` and `/health` on `metrics.port` (nothing when it is 0),
/// fed by the run's steps and evaluations; the caller keeps the server alive.
func serveLearnerMetrics(_ run: RLRun, config: ExperimentConfig) throws -> MetricsServer? {
    guard config.metricsPort > 0 else { return nil }
    let metrics = LearnerMetrics(evalK: config.rl.evalSamples)
    // A step slower than the worker timeout plus an evaluation's length is a stall.
    let stallAfter = max(120, config.cluster.workerTimeout * 4)
    let server: MetricsServer
    do {
        server = try MetricsServer(host: config.metricsHost, port: config.metricsPort, registry: metrics.registry,
                                   health: { metrics.health(stallAfter: stallAfter) })
    } catch { throw ValidationError("\(error)") }
    run.onMetrics = { metrics.record($0) }
    run.onEval = { metrics.record($0) }
    log("metrics: http://\(config.metricsHost):\(server.port)/metrics and /health")
    return server
}

/// An actor's `/metrics` and `/health` on `port` (nothing when nil).
func serveActorMetrics(_ actor: RolloutActor, worker: String, host: String, port: Int?) throws -> MetricsServer? {
    guard let port else { return nil }
    let metrics = ActorMetrics(worker: worker)
    let server: MetricsServer
    do {
        server = try MetricsServer(host: host, port: port, registry: metrics.registry, health: { metrics.health() })
    } catch { throw ValidationError("\(error)") }
    actor.onBatch = { b in
        metrics.record(groups: b.groups, completions: b.completions, tokens: b.tokens, seconds: b.seconds, policyVersion: b.policyVersion)
    }
    log("metrics: http://\(host):\(server.port)/metrics and /health")
    return server
}
