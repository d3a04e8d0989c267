import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// GET `url`: status and body, or nil when nothing answered within 10 s.
private func get(_ url: String) -> (status: Int, body: String)? {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: (Int, String)?
    URLSession.shared.dataTask(with: URL(string: url)!) { data, response, _ in
        if let r = response as? HTTPURLResponse { result = (r.statusCode, String(decoding: data ?? Data(), as: UTF8.self)) }
        done.signal()
    }.resume()
    guard done.wait(timeout: .now() + 10) == .success else { return nil }
    return result
}

/// Debian's Prometheus server scrapes a running cluster (learner and two actors), and its
/// HTTP API answers with our series.
@Suite("Prometheus scrapes the cluster", .serialized)
struct PrometheusTests {
    static let server = "/usr/bin/prometheus"

    @Test func prometheusScrapesTheLearnerAndTheActors() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.server) else {
            // make test installs it (apt-get install prometheus); say why rather than pass silently.
            print("prometheus test skipped: \(Self.server) is not installed (make test installs Debian's prometheus)")
            withKnownIssue("prometheus is not installed") { throw SkipError() }
            return
        }
        let bin = try #require(Harness.binary, "build the binary first: swift build -c release")
        _ = try #require(Harness.tinyBase)
        let out = Harness.tempDir("prometheus")
        let metricsPort = Harness.freshPort(), webPort = Harness.freshPort() + 1
        // Long enough that Prometheus scrapes it several times; the test stops it.
        let cluster = Child(bin, ["launch", "configs/default.yaml"] + Harness.smallRun(out: out + "/run", port: Harness.freshPort(), steps: 10_000)
                                + ["--set", "metrics.port=\(metricsPort)", "--set", "cluster.actors=2", "--set", "algorithm.minutes=3"])
        defer { cluster.signal(SIGKILL) }
        #expect(cluster.waitFor("metrics: http://127.0.0.1:\(metricsPort)/metrics", timeout: 120) != nil, "\(cluster.output)")
        let config = """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: nanoreasoner
                static_configs: [{targets: ['127.0.0.1:\(metricsPort)', '127.0.0.1:\(metricsPort + 1)', '127.0.0.1:\(metricsPort + 2)']}]
            """
        try config.write(toFile: out + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheus = Child(Self.server, ["--config.file=\(out)/prometheus.yml", "--storage.tsdb.path=\(out)/tsdb",
                                             "--web.listen-address=127.0.0.1:\(webPort)"])
        defer { prometheus.signal(SIGKILL) }

        // Poll Prometheus's API (bounded) until the scrapes carry a trained step and sampled groups.
        func query(_ q: String) -> [[String: Any]] {
            let url = "http://127.0.0.1:\(webPort)/api/v1/query?query=" + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            guard let r = get(url), r.status == 200,
                  let json = try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any],
                  let data = json["data"] as? [String: Any] else { return [] }
            return data["result"] as? [[String: Any]] ?? []
        }
        func value(_ series: [String: Any]) -> Double { Double((series["value"] as? [Any])?.last as? String ?? "") ?? -1 }
        let deadline = Date().addingTimeInterval(120)
        var steps: [[String: Any]] = [], sampled: [[String: Any]] = []
        while Date() < deadline {
            steps = query("nanoreasoner_learner_steps_total")
            sampled = query("nanoreasoner_actor_groups_sampled_total")
            if steps.first.map(value) ?? 0 >= 2 && sampled.count == 2 && sampled.allSatisfy({ value($0) > 0 }) { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        #expect(steps.first.map(value) ?? 0 >= 2, "no trained steps scraped; cluster:\n\(cluster.output)\nprometheus:\n\(prometheus.output)")
        #expect(sampled.count == 2 && sampled.allSatisfy { value($0) > 0 }, "actors' series: \(sampled)")
        let up = query("up{job=\"nanoreasoner\"}")
        #expect(up.count == 3 && up.allSatisfy { value($0) == 1 }, "targets up: \(up)")
        #expect(query("nanoreasoner_ledger_groups_lost").first.map(value) == 0)
        #expect(!query("nanoreasoner_learner_update_seconds_count").isEmpty)
        let health = get("http://127.0.0.1:\(metricsPort)/health")
        #expect(health?.status == 200 && health?.body.contains("\"status\":\"ok\"") == true, "\(String(describing: health))")

        // A second learner on the same metrics port is refused at start, saying why.
        let clash = Child(bin, ["train", "configs/default.yaml"] + Harness.smallRun(out: out + "/clash", port: Harness.freshPort(), steps: 1)
                              + ["--set", "metrics.port=\(metricsPort)"])
        #expect(clash.waitExit(timeout: 120) != 0)
        #expect(clash.output.contains("cannot serve metrics on 127.0.0.1:\(metricsPort): the port is in use"), "\(clash.output)")

        cluster.signal(SIGINT)
        #expect(cluster.waitExit(timeout: 120) != nil, "the cluster did not stop on SIGINT")
    }
}
