import Foundation

/// The report as text for people: one table per part, targets last.
public enum BenchTable {
    public static func render(_ r: BenchReport) -> String {
        var out: [String] = []
        let m = r.model
        out.append("NanoReasoner bench\(r.quick ? " --quick" : ""): \(r.cores) cores, \(r.threads) threads, OpenBLAS kernels \(r.openblasCoretype ?? "auto")")
        if let m {
            out.append("model: \(r.parameters) parameters (\(m.layers) layers, \(m.heads) heads, width \(m.width), vocab \(m.vocabSize)); "
                       + "\(r.matmulParameters) matmul weights N")
        }
        out.append("figures: median (min–max) of the repetitions")
        out.append("FLOPs: " + r.flopConvention)
        out.append("sgemm \(r.peak.size)³ on \(r.peak.threads) threads: GEMM.sgemm \(range(r.peak.gemm, "%.1f")), "
                   + "OpenBLAS-threaded \(range(r.peak.openblasThreaded, "%.1f")) GFLOP/s; peak \(f(r.peak.peak, "%.1f"))\n")
        // Sections with nothing measured (`--real-model-only`) are left out.
        if !r.policy.isEmpty {
            out.append(row(["POLICY rows", "train tokens/s", "GFLOP/s", "% peak", "sample new tokens/s", "GFLOP/s", "% peak"], [12, 24, 9, 8, 24, 9, 7]))
        }
        for p in r.policy {
            out.append(row(["\(p.rows)", range(p.training.tokensPerSecond), f(p.training.gflops.median, "%.2f"),
                            f(p.trainingPeakFraction * 100, "%.1f"), range(p.sampling.newTokensPerSecond),
                            f(p.sampling.gflops.median, "%.2f"), f(p.samplingPeakFraction * 100, "%.1f")], [12, 24, 9, 8, 24, 9, 7]))
        }
        let t = r.torch
        if t.training != nil || t.sampling != nil || t.note != nil { out.append(contentsOf: torch(t)) }
        if let m = r.realModel { out.append(contentsOf: realModel(m)) }
        out.append(contentsOf: wire(r.wire))
        out.append(contentsOf: cluster(r.cluster))
        if !r.breakdown.isEmpty {
            out.append("TIME PER RL STEP BY STAGE: \(r.breakdownNote)")
            for s in r.breakdown { out.append(row(["  " + s.stage, range(s.milliseconds, "%.2f") + " ms", s.source], [18, 30, 40])) }
            out.append("")
        }
        out.append(row(["TARGET", "value", "goal", "status"], [32, 12, 24, 10]))
        for g in r.targets {
            let status = g.met.map { $0 ? "met" : "NOT met" } ?? "—"
            out.append(row([g.name, g.value.map { f($0, "%.2f") } ?? "—", g.goal, status + (g.note.map { "  (\($0))" } ?? "")], [32, 12, 24, 10]))
        }
        if !r.skipped.isEmpty { out.append("\nskipped: " + r.skipped.joined(separator: "; ")) }
        if !r.files.isEmpty { out.append("files: " + r.files.joined(separator: ", ")) }
        return out.joined(separator: "\n")
    }

    private static func torch(_ t: BenchReport.Torch) -> [String] {
        var out: [String] = []
        out.append("VS PYTORCH (\(t.rows) rows; \(t.pairs) pairs, each one repetition of ours then one of theirs; ratio = median of the pairs' ratios)")
        out.append("  train tokens/s: ours " + (t.training.map { range($0.ours) } ?? "—")
                   + ", PyTorch " + (t.training.map { range($0.theirs) } ?? "—")
                   + ", ratio " + (t.training.map { range($0.ratios, "%.2f") } ?? "—"))
        out.append("  new tokens/s:   ours " + (t.sampling.map { range($0.ours) } ?? "—")
                   + ", HF generate " + (t.sampling.map { range($0.theirs) } ?? "—")
                   + ", ratio " + (t.sampling.map { range($0.ratios, "%.2f") } ?? "—")
                   + (t.note.map { "  [\($0)]" } ?? ""))
        out.append("")
        return out
    }

    private static func realModel(_ m: BenchReport.RealModel) -> [String] {
        var out = ["REAL MODEL \(m.path) (\(m.parameters) parameters; \(m.pairs) pairs against PyTorch)" + (m.note.map { "  [\($0)]" } ?? "")]
        for (name, p, share) in [("sample \(m.sampleRows)×\(m.newTokens) new tokens/s", m.sampling, m.samplingPeakFraction),
                                 ("train \(m.trainRows)×\(m.trainSeq) tokens/s, full", m.fullFineTuning, m.fullFineTuningPeakFraction),
                                 ("train, LoRA r16 (vs peft)", m.lora, m.loraPeakFraction),
                                 ("RL step, completions/s (vs TRL)", m.rlStep, nil)] {
            guard let p else { continue }
            out.append(row(["  " + name, "ours " + range(p.ours), "PyTorch " + range(p.theirs), "ratio " + range(p.ratios, "%.2f"),
                            share.map { f($0 * 100, "%.1f") + " % peak" } ?? "",
                            p.theirPeakResidentMB.map { String(format: "PyTorch peak %.1f GB", $0 / 1024) } ?? ""], [36, 26, 28, 22, 14, 20]))
        }
        if let st = m.rlStepStages, st.total.median > 0 {
            out.append(String(format: "    our step (%@), seconds: sample %.1f, score %.3f, update %.1f, broadcast %.3f, total %.1f (%.1f–%.1f); %.0f completion tokens",
                              m.rlStepConfig, st.sample.median, st.score.median, st.update.median, st.broadcast.median,
                              st.total.median, st.total.min, st.total.max, st.completionTokens.median))
            if st.theirSeconds.median > 0 {
                out.append(String(format: "    TRL's step, seconds: %.1f (%.1f–%.1f), generation %.1f", st.theirSeconds.median, st.theirSeconds.min,
                                  st.theirSeconds.max, st.theirGenerationSeconds.median))
            }
        }
        out.append("")
        return out
    }

    private static func wire(_ w: BenchReport.WireSection) -> [String] {
        guard w.trajectories != nil || w.weights != nil || !w.broadcast.isEmpty else { return [] }
        var out: [String] = []
        out.append("WIRE (trajectories: \(w.trajectorySource))")
        for (name, x) in [("trajectory codec", w.trajectories), ("weights codec", w.weights)] {
            guard let x else { continue }
            out.append(row(["  " + name, range(x.megabytesPerSecond, "%.0f") + " MB/s",
                            String(format: "ratio %.2f×, %.0f B/message, %.1f µs/message", x.compressionRatio, x.payloadBytesPerMessage,
                                   x.secondsPerMessage.median * 1e6)], [22, 26, 50]))
        }
        for (name, z) in [("ZeroMQ PUSH→PULL", w.zmq), ("  the same, CURVE", w.zmqCurve)] {
            guard let z else { continue }
            out.append(row(["  " + name, range(z.messagesPerSecond) + " msg/s",
                            String(format: "%.0f MB/s, %.0f B/message, tcp loopback", z.megabytesPerSecond.median, z.bytesPerMessage)], [22, 26, 50]))
        }
        if let s = w.wireShareOfRollout {
            out.append(String(format: "  wire per group vs sampling per group (%.2f ms): %.3f %%", w.samplingSecondsPerGroup.median * 1000, s * 100))
        }
        for b in w.broadcast {
            out.append(row(["  broadcast \(b.model)" + (b.curve ? ", CURVE" : ""), range(b.milliseconds, "%.2f") + " ms",
                            "\(b.parameters) params (\(b.messageBytes / 1000) kB) to \(b.subscribers) subscriber(s); encode "
                            + f(b.encodeMilliseconds.median, "%.2f") + " ms"], [22, 26, 50]))
        }
        if !w.note.isEmpty { out.append("  (\(w.note))") }
        out.append("")
        return out
    }

    private static func cluster(_ c: BenchReport.ClusterSection) -> [String] {
        guard !c.runs.isEmpty || c.sync != nil else { return [] }
        var out = ["END TO END: " + c.settings.joined(separator: ", ")]
        let w = [11, 22, 22, 18, 14, 12, 11, 10]
        out.append(row(["  run", "groups/s", "sampled tokens/s", "step s", "learner idle", "actor idle", "staleness", "vs sync"], w))
        for (i, x) in c.runs.enumerated() {
            out.append(row(["  \(x.actors) actor" + (x.actors > 1 ? "s" : ""), range(x.trajectoriesPerSecond, "%.1f"),
                            range(x.sampledTokensPerSecond), range(x.stepSeconds, "%.2f"), f(x.learnerIdleFraction.median, "%.2f"),
                            f(x.actorIdleFraction.median, "%.2f"), f(x.staleness.median, "%.2f"),
                            i < c.speedups.count ? f(c.speedups[i], "%.2f") + "×" : "—"], w))
        }
        if let s = c.sync {
            out.append(row(["  sync", range(s.trajectoriesPerSecond, "%.1f"), range(s.samplingPhaseTokensPerSecond) + "*",
                            range(s.stepSeconds, "%.2f"), "—", "—", "0", "1×"], w))
            out.append("  * sync tokens/s are while sampling; groups/s = groups sampled (zero-variance included) per step second")
        }
        out.append("  " + c.note)
        out.append("")
        return out
    }

    static func f(_ x: Double, _ fmt: String = "%.0f") -> String { String(format: fmt, x) }

    static func range(_ s: Stats, _ fmt: String = "%.0f") -> String {
        s.isEmpty ? "—" : "\(f(s.median, fmt)) (\(f(s.min, fmt))–\(f(s.max, fmt)))"
    }

    static func row(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).map { $0.count >= $1 ? $0 + " " : $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined()
            + cells.dropFirst(widths.count).joined(separator: " ")
    }
}
