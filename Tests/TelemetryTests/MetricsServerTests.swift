import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import Telemetry
import Trainer

/// GET `url`: status and body, or nil when nothing answered within 10 s.
func get(_ url: String) -> (status: Int, body: String)? {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: (Int, String)?
    URLSession.shared.dataTask(with: URL(string: url)!) { data, response, _ in
        if let r = response as? HTTPURLResponse { result = (r.statusCode, String(decoding: data ?? Data(), as: UTF8.self)) }
        done.signal()
    }.resume()
    guard done.wait(timeout: .now() + 10) == .success else { return nil }
    return result
}

@Suite("Live metrics", .serialized)
struct MetricsServerTests {
    @Test func theLearnersSeriesAreServedInPrometheusFormat() throws {
        let metrics = LearnerMetrics(evalK: 8)
        let server = try MetricsServer(host: "127.0.0.1", port: 0, registry: metrics.registry, health: { metrics.health(stallAfter: 60) })
        defer { server.stop() }
        #expect(server.port > 0)
        var m = StepMetrics(step: 1, policyVersion: 0)
        m.reward = 0.25
        m.groupsTrained = 32
        m.ledger.handedOut = 40
        m.rejectedMessages = 3
        m.updateSeconds = 1.5
        m.liveActors = 2
        m.security.countFailedHandshake(port: "work", reason: "mechanism mismatch")
        metrics.record(m)
        var second = StepMetrics(step: 2, policyVersion: 1)
        second.security = m.security  // running totals: 3 on work, 1 on verify by step 2
        second.security.countFailedHandshake(port: "work", reason: "mechanism mismatch")
        second.security.countFailedHandshake(port: "work", reason: "mechanism mismatch")
        second.security.countFailedHandshake(port: "verify", reason: "undecryptable handshake")
        second.groupsTrained = 30
        second.ledger.handedOut = 75
        second.rejectedMessages = 3
        second.liveActors = 2
        metrics.record(second)
        metrics.record(EvalPoint(step: 2, passAt1: 0.2, passAtK: 0.4))
        let page = try #require(get("http://127.0.0.1:\(server.port)/metrics"))
        #expect(page.status == 200)
        let lines = Set(page.body.split(separator: "\n").map(String.init))
        for expected in [
            "nanoreasoner_learner_steps_total 2",
            "nanoreasoner_learner_groups_trained_total 62",
            "nanoreasoner_ledger_groups_handed_out_total 75",  // running totals, not their sum
            "nanoreasoner_broker_rejected_messages_total 3",
            "nanoreasoner_broker_failed_handshakes_total{port=\"work\",reason=\"mechanism mismatch\"} 3",
            "nanoreasoner_broker_failed_handshakes_total{port=\"verify\",reason=\"undecryptable handshake\"} 1",
            "nanoreasoner_learner_policy_version 2.0",
            "nanoreasoner_cluster_workers_live{role=\"actor\"} 2.0",
            "nanoreasoner_eval_pass_at{k=\"1\"} 0.2",
            "nanoreasoner_eval_pass_at{k=\"8\"} 0.4",
            "nanoreasoner_learner_update_seconds_count 2",
            "# TYPE nanoreasoner_learner_steps_total counter",
        ] {
            #expect(lines.contains(expected), "missing \(expected) in:\n\(page.body)")
        }
        let health = try #require(get("http://127.0.0.1:\(server.port)/health"))
        #expect(health.status == 200)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
        #expect(body["status"] as? String == "ok" && body["step"] as? Int == 2 && body["role"] as? String == "learner")
    }

    @Test func aStalledLearnerIsUnhealthy() throws {
        let metrics = LearnerMetrics(evalK: 8)
        metrics.record(StepMetrics(step: 1, policyVersion: 0))
        let h = metrics.health(stallAfter: 0)
        #expect(!h.healthy)
        #expect(String(decoding: h.json, as: UTF8.self).contains("\"status\":\"stalled\""))
        #expect(LearnerMetrics(evalK: 8).health(stallAfter: 0).healthy, "before the first step a run is starting, not stalled")
    }

    @Test func anActorCountsWhatItSampled() throws {
        let metrics = ActorMetrics(worker: "actor-1")
        metrics.record(groups: 8, completions: 64, tokens: 1200, seconds: 0.8, policyVersion: 5)
        metrics.record(groups: 8, completions: 64, tokens: 1000, seconds: 0.7, policyVersion: 6)
        let text = metrics.registry.emitToString()
        #expect(text.contains("nanoreasoner_actor_sampled_tokens_total{worker=\"actor-1\"} 2200"), "\(text)")
        #expect(text.contains("nanoreasoner_actor_policy_version{worker=\"actor-1\"} 6.0"), "\(text)")
        #expect(text.contains("nanoreasoner_actor_batch_seconds_count{worker=\"actor-1\"} 2"), "\(text)")
    }

    @Test func aPortInUseIsAClearErrorAtStart() throws {
        let metrics = LearnerMetrics(evalK: 8)
        let first = try MetricsServer(host: "127.0.0.1", port: 0, registry: metrics.registry, health: { metrics.health(stallAfter: 60) })
        defer { first.stop() }
        do {
            let second = try MetricsServer(host: "127.0.0.1", port: first.port, registry: metrics.registry, health: { metrics.health(stallAfter: 60) })
            second.stop()
            Issue.record("a second server bound port \(first.port)")
        } catch {
            let message = "\(error)"
            #expect(message.contains("cannot serve metrics on 127.0.0.1:\(first.port): the port is in use"), "\(message)")
            #expect(message.contains("metrics.port"))
        }
    }
}
