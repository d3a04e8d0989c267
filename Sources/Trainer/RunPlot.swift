import Foundation
import Plots

/// The run's plot: reward and accuracy per step, every held-out evaluation (before,
/// periodic, after), sampled tokens/s, and the cluster's staleness when there is any.
struct RunPlot {
    let metricsPath: String
    let evals: [EvalPoint]
    let k: Int

    /// Every step in the metrics log (a resumed run's earlier steps included).
    func steps() -> [StepMetrics] {
        guard let text = try? String(contentsOfFile: metricsPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(StepMetrics.self, from: Data($0.utf8)) }
    }

    func write(to path: String) throws {
        let h = steps()
        func series(_ name: String, _ color: String, _ f: (StepMetrics) -> Double) -> SVGPlot.Series {
            .init(name: name, color: color, points: h.map { (Double($0.step), f($0)) })
        }
        var panels: [SVGPlot.Panel] = [
            .init(title: "training reward and accuracy per step", series: [
                series("reward", "#1f77b4") { Double($0.reward) },
                series("accuracy", "#ff7f0e") { Double($0.accuracy) },
            ]),
            .init(title: "held-out pass@k (temperature 1): before, during, after", series: [
                .init(name: "pass@1", color: "#2ca02c", points: evals.map { (Double($0.step), $0.passAt1) }),
                .init(name: "pass@\(k)", color: "#d62728", points: evals.map { (Double($0.step), $0.passAtK) }),
            ]),
            .init(title: "sampled tokens/s", series: [series("tokens/s", "#9467bd") { $0.sampledTokensPerSecond }]),
        ]
        if h.contains(where: { $0.stalenessMax > 0 }) {
            panels.append(.init(title: "staleness (policy versions)", series: [
                series("mean", "#8c564b") { $0.stalenessMean }, series("max", "#d62728") { Double($0.stalenessMax) },
            ]))
        }
        try SVGPlot(panels: panels).render().write(toFile: path, atomically: true, encoding: .utf8)
    }
}
