import Foundation

extension BenchSuite {
    /// The per-stage time of one RL step and the targets.
    func summarise() {
        let w = report.wire, c = report.cluster
        let groups = Double((try? experiment().rl.promptsPerStep) ?? 0)
        func perStep(_ s: Stats) -> Stats { s.scaled(groups * 1000) }
        var stages: [BenchReport.Stage] = []
        if !w.samplingSecondsPerGroup.isEmpty {
            stages.append(.init(stage: "sampling", milliseconds: perStep(w.samplingSecondsPerGroup), source: "real trajectories, 1 actor thread"))
        }
        if let codec = w.trajectories?.secondsPerMessage, let send = w.zmq?.secondsPerMessage {
            stages.append(.init(stage: "wire", milliseconds: perStep(codec.adding(send)), source: "encode+LZ4+CRC+decode, plus ZeroMQ send"))
        }
        if !verifyTime.isEmpty { stages.append(.init(stage: "verify", milliseconds: perStep(verifyTime), source: "detokenise + arithmetic verifier")) }
        if let one = c.runs.first {
            stages.append(.init(stage: "learner update", milliseconds: one.updateSeconds.scaled(1000),
                                source: "cluster run with \(one.actors) actor(s)"))
        }
        let actors = (try? experiment().cluster.actors) ?? 2
        // The cluster runs CURVE by default: its broadcast is the encrypted one.
        let defaults = w.broadcast.filter { $0.model == "default" }
        if let b = defaults.last(where: { $0.curve && $0.subscribers <= actors }) ?? defaults.last(where: { $0.subscribers <= actors }) {
            stages.append(.init(stage: "broadcast", milliseconds: b.milliseconds,
                                source: "default model to \(b.subscribers) subscriber(s)" + (b.curve ? ", CURVE" : "")))
        }
        report.breakdown = stages
        report.breakdownNote = "milliseconds per RL step of \(Int(groups)) groups, each stage as one core spends it (median, min–max)"
        report.targets = targets()
    }

    private func targets() -> [BenchReport.Target] {
        let t = report.torch, w = report.wire, c = report.cluster
        var list: [BenchReport.Target] = []
        // Issue 20's goals: the median of the pairs and the worst pair, and a share of the sgemm peak.
        list.append(pairTarget("training vs PyTorch", t.training?.ratios, median: 1.6, worst: 1.4, rows: t.rows, skipped: t.note))
        list.append(pairTarget("sampling vs HF generate", t.sampling?.ratios, median: 6, worst: 5, rows: t.rows, skipped: t.note))
        let row = report.policy.first { $0.rows == t.rows } ?? report.policy.last
        list.append(.init(name: "training, share of sgemm peak", value: row.map { $0.trainingPeakFraction * 100 }, goal: "≥ 65 %",
                          met: row.map { $0.trainingPeakFraction >= 0.65 }, note: row.map { "\($0.rows) rows, %" }))
        list.append(.init(name: "sampling, share of sgemm peak", value: row.map { $0.samplingPeakFraction * 100 }, goal: "≥ 60 %",
                          met: row.map { $0.samplingPeakFraction >= 0.60 }, note: row.map { "\($0.rows) rows, %" }))
        list.append(.init(name: "wire share of rollout time", value: w.wireShareOfRollout.map { $0 * 100 }, goal: "≤ 2 %",
                          met: w.wireShareOfRollout.map { $0 <= 0.02 }, note: "(codec + send) per group / sampling per group"))
        let codec = w.weights?.megabytesPerSecond
        list.append(.init(name: "weights codec", value: codec.map { $0.median / 1000 }, goal: "≥ 5 GB/s", met: codec.map { $0.median >= 5000 },
                          note: codec.map { String(format: "GB/s, encode + decode; worst repetition %.1f", $0.min / 1000) }))
        for (k, goal) in [(1, 2.0), (4, 5.0)] {
            let b = w.broadcast.first { $0.model == "default" && !$0.curve && $0.subscribers == k }
            list.append(.init(name: "broadcast to \(k), default model", value: b?.milliseconds.median, goal: String(format: "≤ %.0f ms", goal),
                              met: b.map { $0.milliseconds.median <= goal },
                              note: b.map { String(format: "ms, plain text, loopback; worst round %.2f", $0.milliseconds.max) }))
        }
        list += curveCost()
        list += realModelTargets()
        let best = c.speedups.enumerated().max { $0.element < $1.element }
        let enoughCores = report.cores >= 4
        list.append(.init(name: "async cluster vs synchronous", value: best?.element, goal: "≥ 1.8× with the cores",
                          met: enoughCores ? best.map { $0.element >= 1.8 } : nil,
                          note: best.map { "best: \(c.runs[$0.offset].actors) actor(s)" + (enoughCores ? "" : "; not judged on \(report.cores) cores (needs ≥ 4)") }))
        return list
    }

    /// A ratio measured in pairs, met when both the pairs' median and their worst reach their goals.
    private func pairTarget(_ name: String, _ ratios: Stats?, median: Double, worst: Double, rows: Int, skipped: String?) -> BenchReport.Target {
        guard let r = ratios else { return .init(name: name, value: nil, goal: String(format: "≥ %g×", median), met: nil, note: skipped) }
        return .init(name: name, value: r.median, goal: String(format: "≥ %g×, worst ≥ %g×", median, worst),
                     met: r.median >= median && r.min >= worst,
                     note: String(format: "%d rows; median of the pairs, worst pair %.2f×", rows, r.min))
    }

    /// Issue 35's goals on SmolLM2-135M: sampling ≥ 3× HF generate (worst pair ≥ 2.5×), training
    /// ≥ 1.25× PyTorch (worst ≥ 1.1×) for full fine-tuning and for LoRA, each also as a share of the peak.
    private func realModelTargets() -> [BenchReport.Target] {
        guard let m = report.realModel else { return [] }
        func rows(_ what: String) -> String { "SmolLM2-135M, \(what)" }
        var list: [BenchReport.Target] = []
        let sample = "\(m.sampleRows) rows × \(m.newTokens) tokens", train = "\(m.trainRows) × \(m.trainSeq) tokens"
        list.append(paired(rows("sampling vs HF generate"), m.sampling, median: 3, worst: 2.5, what: sample, skipped: m.note))
        list.append(paired(rows("full fine-tuning vs PyTorch"), m.fullFineTuning, median: 1.25, worst: 1.1, what: train, skipped: m.note))
        list.append(paired(rows("LoRA r16 vs peft"), m.lora, median: 1.25, worst: 1.1, what: train, skipped: m.note))
        list.append(paired(rows("RL step vs TRL GRPOTrainer"), m.rlStep, median: 3, worst: 3, what: "one step of \(m.rlStepConfig)",
                           skipped: m.note, unit: "completions/s"))
        for (name, share, goal) in [("sampling", m.samplingPeakFraction, 0.64), ("full fine-tuning", m.fullFineTuningPeakFraction, 0.63),
                                    ("LoRA", m.loraPeakFraction, 0.63)] {
            list.append(.init(name: rows("\(name), share of sgemm peak"), value: share.map { $0 * 100 }, goal: String(format: "≥ %.0f %%", goal * 100),
                              met: share.map { $0 >= goal }, note: name == "sampling" ? "%, 2N FLOPs per token" : "%, 6N FLOPs per token"))
        }
        return list
    }

    private func paired(_ name: String, _ p: BenchReport.Paired?, median: Double, worst: Double, what: String, skipped: String?,
                        unit: String = "tokens/s") -> BenchReport.Target {
        guard let p else { return .init(name: name, value: nil, goal: String(format: "≥ %g×", median), met: nil, note: skipped ?? "not measured") }
        let memory = p.theirPeakResidentMB.map { String(format: "; PyTorch peak %.1f GB", $0 / 1024) } ?? ""
        return .init(name: name, value: p.ratios.median, goal: String(format: "≥ %g×, worst ≥ %g×", median, worst),
                     met: p.ratios.median >= median && p.ratios.min >= worst,
                     note: String(format: "%@; ours %.3g vs %.3g %@, worst pair %.2f×", what, p.ours.median, p.theirs.median, unit, p.ratios.min) + memory)
    }

    /// What CURVE costs, as ratios of the encrypted figure to the plain one measured just
    /// before it (reported, not judged: there is no goal to meet).
    private func curveCost() -> [BenchReport.Target] {
        let w = report.wire
        var out: [BenchReport.Target] = []
        if let plain = w.zmq?.messagesPerSecond.median, let curve = w.zmqCurve?.messagesPerSecond.median, plain > 0 {
            out.append(.init(name: "CURVE: trajectory messages/s", value: curve / plain, goal: "reported", met: nil,
                             note: String(format: "%.0f vs %.0f plain, ratio", curve, plain)))
        }
        for k in Set(w.broadcast.map(\.subscribers)).sorted() {
            let pair = w.broadcast.filter { $0.model == "default" && $0.subscribers == k }
            guard let p = pair.first(where: { !$0.curve }), let c = pair.first(where: { $0.curve }), p.milliseconds.median > 0 else { continue }
            out.append(.init(name: "CURVE: broadcast to \(k)", value: c.milliseconds.median / p.milliseconds.median, goal: "reported", met: nil,
                             note: String(format: "%.2f vs %.2f ms plain, ratio", c.milliseconds.median, p.milliseconds.median)))
        }
        return out
    }
}
