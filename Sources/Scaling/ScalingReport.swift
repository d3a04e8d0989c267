import Benchmarks
import Foundation
import Plots

/// The scaling bench as text and as a plot.
public enum ScalingTable {
    public static func render(_ r: ScalingBenchmark.Report) -> String {
        func f(_ v: Double?, _ fmt: String = "%.1f") -> String { v.map { String(format: fmt, $0) } ?? "—" }
        func row(_ cells: [String], _ widths: [Int]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " ")
        }
        var out = ["NanoReasoner bench --scaling: " + r.note, ""]
        let lw = [8, 10, 26, 14, 18, 10, 16, 16]
        if !r.learner.isEmpty {
            out.append(row(["RANKS", "machine", "s/update median (min–max)", "collectives s", "trained tokens/s", "speed-up", "model tokens/s",
                            "limited by"], lw))
            for l in r.learner {
                out.append(row(["\(l.ranks)", "\(l.machineCPUs) core", String(format: "%.2f (%.2f–%.2f)", l.secondsPerUpdate.median, l.secondsPerUpdate.min,
                                                                             l.secondsPerUpdate.max),
                                f(l.collectiveSeconds?.median, "%.3f"),
                                f(l.trainedTokensPerSecond, "%.0f"), f(l.speedup, "%.2f×"), f(l.predictedTokensPerSecond, "%.0f"), l.limitedBy], lw))
            }
            out.append("")
        }
        let aw = [8, 10, 24, 10, 18, 12, 30]
        if !r.actors.isEmpty {
            out.append(row(["ACTORS", "machine", "sampled groups/s", "speed-up", "model groups/s", "actor idle", "limited by"], aw))
            for a in r.actors {
                let rate = f(a.sampledGroupsPerSecond, "%.2f") + (a.runs.count > 1 ? " (" + a.runs.map { f($0, "%.1f") }.joined(separator: ", ") + ")" : "")
                out.append(row(["\(a.actors)", "\(a.machineCPUs) core", rate, f(a.speedup, "%.2f×"),
                                f(a.predictedGroupsPerSecond, "%.2f"), f(a.actorIdleFraction * 100, "%.0f %%"), a.limitedBy], aw))
            }
        }
        if !r.asynchrony.isEmpty {
            out.append("")
            let w = [14, 10, 10, 18, 14, 10, 8, 34]
            out.append(row(["MAX STALENESS", "machines", "in flight", "trained groups/s", "accuracy/step", "update s", "wait s", "held-out pass@1 before → after (95 %)"], w))
            let rows = (r.asynchronyProbe.map { [("0 (probe)", $0)] } ?? []) + r.asynchrony.map { ("\($0.maxStaleness)", $0) }
            for (label, a) in rows {
                out.append(row([label, String(format: "%.2f + %d", a.learnerCPUs, a.actors), a.maxInFlight.map(String.init) ?? "config",
                                f(a.trainedGroupsPerSecond, "%.2f"), f(a.accuracyPerStep, "%.3f"),
                                f(a.updateSeconds, "%.2f"), f(a.waitSeconds, "%.2f"),
                                "\(f(a.passAt1Before, "%.3f")) → \(f(a.passAt1After, "%.3f")) (\(f(a.passAt1Low, "%.3f"))–\(f(a.passAt1High, "%.3f")))"], w))
            }
        }
        if let b = r.broadcast {
            out.append("")
            let w = [12, 34, 12, 26]
            out.append(row(["SUBSCRIBERS", "weights from", "MB", "ms median (min–max)"], w))
            for c in b.cases {
                out.append(row(["\(c.subscribers)", c.fanout == 0 ? "the learner (one PUB socket)" : "a relay tree of fanout \(c.fanout)",
                                f(Double(c.messageBytes) / 1e6, "%.1f"),
                                String(format: "%.1f (%.1f–%.1f)", c.milliseconds.median, c.milliseconds.min, c.milliseconds.max)], w))
            }
        }
        if let m = r.model {
            out.append("")
            out.append(String(format: "MODEL: %.2e CPU-s per trained token, +%.3f s per update in collectives at 2 ranks (× 2(K−1)/K at K), %.3f CPU-s per sampled group, "
                              + "%.0f tokens per group, %.0f %% of sampled groups kept, %.1f MB weights per actor per update over %.0f Mbit/s",
                              m.cpuSecondsPerTrainedToken, m.collectiveSecondsAtTwoRanks, m.cpuSecondsPerSampledGroup, m.tokensPerGroup,
                              m.keptFraction * 100, m.broadcastBytes / 1e6, m.linkBitsPerSecond / 1e6))
            let pw = [10, 8, 8, 22, 20]
            out.append(row(["MACHINES", "ranks", "actors", "trained groups/s", "limited by"], pw))
            for p in r.predictions {
                out.append(row(["\(p.machines)", "\(p.ranks)", "\(p.actors)", f(p.trainedGroupsPerSecond, "%.2f"), p.limitedBy], pw))
            }
        }
        out.append("")
        out.append(row(["TARGET", "value", "goal", "status"], [54, 10, 10, 10]))
        for t in r.targets {
            out.append(row([t.name, f(t.value, "%.2f"), t.goal, t.met.map { $0 ? "met" : "NOT MET" } ?? "—"], [54, 10, 10, 10])
                       + (t.note.map { "  (\($0))" } ?? ""))
        }
        return out.joined(separator: "\n")
    }
}

public enum ScalingChart {
    /// Throughput against machines: emulated rows beside the model's.
    public static func render(_ r: ScalingBenchmark.Report) -> String {
        var panels: [SVGPlot.Panel] = []
        panels.append(.init(title: "learner ranks: trained tokens/s (machines of \(r.learner.first?.machineCPUs ?? 0) core)", series: [
            .init(name: "emulated", color: "#1f77b4", points: r.learner.map { (Double($0.ranks), $0.trainedTokensPerSecond) }),
            .init(name: "ideal (K × one rank)", color: "#bbbbbb", points: r.learner.map { (Double($0.ranks), Double($0.ranks) * (r.learner.first?.trainedTokensPerSecond ?? 0)) }),
        ]))
        panels.append(.init(title: "actors: sampled groups/s (machines of \(r.actors.first?.machineCPUs ?? 0) core)", series: [
            .init(name: "emulated", color: "#d62728", points: r.actors.map { (Double($0.actors), $0.sampledGroupsPerSecond) }),
            .init(name: "model", color: "#bbbbbb", points: r.actors.map { (Double($0.actors), $0.predictedGroupsPerSecond ?? $0.sampledGroupsPerSecond) }),
        ]))
        if !r.predictions.isEmpty {
            panels.append(.init(title: "model: trained groups/s on the best split of N machines", series: [
                .init(name: "predicted", color: "#2ca02c", points: r.predictions.map { (Double($0.machines), $0.trainedGroupsPerSecond) }),
            ]))
        }
        return SVGPlot(panels: panels, xLabel: "machines").render()
    }
}
