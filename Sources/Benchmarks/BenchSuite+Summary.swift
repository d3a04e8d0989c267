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
        list.append(.init(name: "training vs PyTorch", value: t.trainingRatio, goal: "≥ 1.5×", met: t.trainingRatio.map { $0 >= 1.5 },
                          note: t.trainingRatio == nil ? t.note : "\(t.rows) rows"))
        list.append(.init(name: "sampling vs HF generate", value: t.samplingRatio, goal: "≥ 5×", met: t.samplingRatio.map { $0 >= 5 },
                          note: t.samplingRatio == nil ? t.note : "\(t.rows) rows"))
        list.append(.init(name: "wire share of rollout time", value: w.wireShareOfRollout.map { $0 * 100 }, goal: "≤ 2 %",
                          met: w.wireShareOfRollout.map { $0 <= 0.02 }, note: "(codec + send) per group / sampling per group"))
        let defaults = w.broadcast.filter { $0.model == "default" && !$0.curve }
        let worst = defaults.max { $0.subscribers < $1.subscribers }
        list.append(.init(name: "broadcast, default model", value: worst?.milliseconds.median, goal: "≤ 5 ms",
                          met: worst.map { $0.milliseconds.median <= 5 }, note: worst.map { "\($0.subscribers) subscribers, ms, plain text" }))
        list += curveCost()
        let best = c.speedups.enumerated().max { $0.element < $1.element }
        let enoughCores = report.cores >= 4
        list.append(.init(name: "async cluster vs synchronous", value: best?.element, goal: "≥ 1.8× with the cores",
                          met: enoughCores ? best.map { $0.element >= 1.8 } : nil,
                          note: best.map { "best: \(c.runs[$0.offset].actors) actor(s)" + (enoughCores ? "" : "; not judged on \(report.cores) cores (needs ≥ 4)") }))
        return list
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
