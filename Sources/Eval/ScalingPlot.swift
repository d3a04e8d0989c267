import Foundation
import Plots

/// The test-time-scaling curves of one or more reports (say the trained policy and its
/// base) as SVG: pass@k and maj@k against log₂ k, with each point's 95 % interval drawn as
/// two dashed lines around it.
public enum ScalingPlot {
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]

    public static func svg(_ reports: [(name: String, report: Evaluator.Report)]) -> String {
        func panel(_ title: String, _ value: (Evaluator.CurvePoint) -> (Double, Double, Double)) -> SVGPlot.Panel {
            var series: [SVGPlot.Series] = []
            for (i, r) in reports.enumerated() {
                let curve = r.report.curve ?? [], color = colors[i % colors.count]
                let xs = curve.map { log2(Double($0.k)) }, vs = curve.map(value)
                series.append(.init(name: r.name, color: color, points: Array(zip(xs, vs.map { $0.0 }))))
                series.append(.init(name: "\(r.name) 95 % low", color: color + "66", points: Array(zip(xs, vs.map { $0.1 }))))
                series.append(.init(name: "\(r.name) 95 % high", color: color + "66", points: Array(zip(xs, vs.map { $0.2 }))))
            }
            return .init(title: title, series: series)
        }
        return SVGPlot(panels: [
            panel("pass@k (held-out)") { ($0.passAtK, $0.passLow, $0.passHigh) },
            panel("maj@k (held-out)") { ($0.majAtK, $0.majLow, $0.majHigh) },
        ], xLabel: "log₂ k").render()
    }
}
