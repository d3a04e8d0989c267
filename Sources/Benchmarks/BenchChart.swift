import Foundation

/// The bench's figures as one SVG: throughput against the number of actors (with the
/// synchronous loop as a reference line) and the time per RL step by stage. Points and
/// bars are medians; whiskers span min–max.
public enum BenchChart {
    static let width = 760.0, panel = 300.0
    static let left = 130.0, right = 30.0, top = 40.0, bottom = 50.0

    public static func render(_ r: BenchReport) -> String {
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(panel * 2))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += throughput(r.cluster, y0: 0) + stages(r.breakdown, note: r.breakdownNote, y0: panel)
        return svg + "</svg>\n"
    }

    private static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", bold: Bool = false) -> String {
        let safe = s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"\(anchor)\"\(bold ? " font-weight=\"bold\"" : "")>\(safe)</text>\n"
    }

    private static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ color: String, dash: Bool = false) -> String {
        "<line x1=\"\(x1)\" y1=\"\(y1)\" x2=\"\(x2)\" y2=\"\(y2)\" stroke=\"\(color)\" stroke-width=\"2\"\(dash ? " stroke-dasharray=\"6 4\"" : "")/>\n"
    }

    private static func throughput(_ c: BenchReport.ClusterSection, y0: Double) -> String {
        var svg = text(left, y0 + 22, "trajectory groups/s vs number of actors (median, min–max)", bold: true)
        let w = width - left - right, h = panel - top - bottom
        let maxY = max((c.runs.map(\.trajectoriesPerSecond.max) + [c.sync?.trajectoriesPerSecond.max ?? 0]).max() ?? 1, 1e-9) * 1.1
        let xs = c.runs.map(\.actors)
        let maxX = Double(max(xs.max() ?? 1, 1))
        func px(_ a: Double) -> Double { left + 30 + (a - 1) / max(maxX - 1, 1) * (w - 60) }
        func py(_ v: Double) -> Double { y0 + top + h - v / maxY * h }
        svg += "<rect x=\"\(left)\" y=\"\(y0 + top)\" width=\"\(w)\" height=\"\(h)\" fill=\"none\" stroke=\"#999\"/>\n"
        for k in 0...4 { let v = maxY * Double(k) / 4; svg += text(left - 6, py(v) + 4, String(format: "%.1f", v), anchor: "end") }
        for a in xs { svg += text(px(Double(a)), y0 + top + h + 16, "\(a)", anchor: "middle") }
        svg += text(left + w / 2, y0 + panel - 12, "actors (processes)", anchor: "middle")
        if let s = c.sync {
            svg += line(left, py(s.trajectoriesPerSecond.median), left + w, py(s.trajectoriesPerSecond.median), "#d62728", dash: true)
            svg += text(left + w - 4, py(s.trajectoriesPerSecond.median) - 6, "synchronous loop", anchor: "end")
        }
        let pts = c.runs.map { (px(Double($0.actors)), $0.trajectoriesPerSecond) }
        if pts.count > 1 {
            svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"" + pts.map { "\($0.0),\(py($0.1.median))" }.joined(separator: " ") + "\"/>\n"
        }
        for (x, s) in pts {
            svg += line(x, py(s.min), x, py(s.max), "#1f77b4") + line(x - 5, py(s.min), x + 5, py(s.min), "#1f77b4")
                + line(x - 5, py(s.max), x + 5, py(s.max), "#1f77b4")
            svg += "<circle cx=\"\(x)\" cy=\"\(py(s.median))\" r=\"4\" fill=\"#1f77b4\"/>\n"
        }
        if c.runs.isEmpty { svg += text(left + 20, y0 + top + 30, "no cluster runs") }
        return svg
    }

    private static func stages(_ stages: [BenchReport.Stage], note: String, y0: Double) -> String {
        var svg = text(left, y0 + 22, "time per RL step by stage (ms; \(note.isEmpty ? "median, min–max" : note))", bold: true)
        let w = width - left - right, h = panel - top - bottom
        guard !stages.isEmpty else { return svg + text(left + 20, y0 + top + 30, "no stages measured") }
        let maxV = max(stages.map(\.milliseconds.max).max() ?? 1, 1e-9) * 1.1
        let band = h / Double(stages.count)
        func px(_ v: Double) -> Double { left + v / maxV * w }
        svg += "<rect x=\"\(left)\" y=\"\(y0 + top)\" width=\"\(w)\" height=\"\(h)\" fill=\"none\" stroke=\"#999\"/>\n"
        for k in 0...4 { let v = maxV * Double(k) / 4; svg += text(px(v), y0 + top + h + 16, String(format: "%.1f", v), anchor: "middle") }
        svg += text(left + w / 2, y0 + panel - 12, "milliseconds", anchor: "middle")
        for (i, s) in stages.enumerated() {
            let yc = y0 + top + band * (Double(i) + 0.5), bh = band * 0.6
            svg += text(left - 6, yc + 4, s.stage, anchor: "end")
            svg += "<rect x=\"\(left)\" y=\"\(yc - bh / 2)\" width=\"\(max(px(s.milliseconds.median) - left, 0.5))\" height=\"\(bh)\" fill=\"#9ecae1\"/>\n"
            svg += line(px(s.milliseconds.min), yc, px(s.milliseconds.max), yc, "#08519c")
                + line(px(s.milliseconds.min), yc - 5, px(s.milliseconds.min), yc + 5, "#08519c")
                + line(px(s.milliseconds.max), yc - 5, px(s.milliseconds.max), yc + 5, "#08519c")
            svg += text(px(s.milliseconds.max) + 6, yc + 4, String(format: "%.2f", s.milliseconds.median))
        }
        return svg
    }
}
