import Foundation

/// A small line chart written as SVG (an image any browser opens), so a training
/// run can be looked at without Python. Each panel has its own series and y-range.
public struct SVGPlot {
    public struct Series {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, color: String, points: [(x: Double, y: Double)]) {
            self.name = name; self.color = color; self.points = points
        }
    }

    public struct Panel {
        public var title: String
        public var series: [Series]
        public init(title: String, series: [Series]) { self.title = title; self.series = series }
    }

    public var panels: [Panel]
    public var xLabel = "step"

    public init(panels: [Panel], xLabel: String = "step") { self.panels = panels; self.xLabel = xLabel }

    public func render(width: Double = 720, panelHeight: Double = 260) -> String {
        let margin = (left: 60.0, right: 140.0, top: 30.0, bottom: 40.0)
        let height = Double(panels.count) * panelHeight
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, panel) in panels.enumerated() {
            let top = Double(i) * panelHeight
            let w = width - margin.left - margin.right, h = panelHeight - margin.top - margin.bottom
            let all = panel.series.flatMap(\.points)
            guard !all.isEmpty else { continue }
            let xs = all.map(\.x), ys = all.map(\.y)
            let xTicks = Self.ticks(xs.min()!, max(xs.max()!, xs.min()! + 1), integers: true)  // steps
            let yTicks = Self.ticks(min(ys.min()!, 0), ys.max()!)
            let x0 = xTicks.values.first!, x1 = xTicks.values.last!
            let y0 = yTicks.values.first!, y1 = yTicks.values.last!
            func px(_ x: Double) -> Double { margin.left + (x - x0) / (x1 - x0) * w }
            func py(_ y: Double) -> Double { top + margin.top + h - (y - y0) / (y1 - y0) * h }
            svg += "<text x=\"\(margin.left)\" y=\"\(top + 18)\" font-weight=\"bold\">\(panel.title)</text>\n"
            svg += "<rect x=\"\(margin.left)\" y=\"\(top + margin.top)\" width=\"\(w)\" height=\"\(h)\" fill=\"none\" stroke=\"#999\"/>\n"
            for yv in yTicks.values {
                svg += "<line x1=\"\(margin.left)\" x2=\"\(margin.left + w)\" y1=\"\(py(yv))\" y2=\"\(py(yv))\" stroke=\"#eee\"/>\n"
                svg += "<text x=\"\(margin.left - 6)\" y=\"\(py(yv) + 4)\" text-anchor=\"end\">\(yTicks.label(yv))</text>\n"
            }
            for xv in xTicks.values {
                svg += "<text x=\"\(px(xv))\" y=\"\(top + margin.top + h + 16)\" text-anchor=\"middle\">\(xTicks.label(xv))</text>\n"
            }
            svg += "<text x=\"\(margin.left + w / 2)\" y=\"\(top + panelHeight - 6)\" text-anchor=\"middle\">\(xLabel)</text>\n"
            for (j, s) in panel.series.enumerated() {
                let path = s.points.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
                if s.points.count < 40 {
                    for p in s.points { svg += "<circle cx=\"\(px(p.x))\" cy=\"\(py(p.y))\" r=\"3\" fill=\"\(s.color)\"/>\n" }
                }
                let ly = top + margin.top + 14 + Double(j) * 18
                svg += "<line x1=\"\(width - margin.right + 10)\" x2=\"\(width - margin.right + 30)\" y1=\"\(ly - 4)\" y2=\"\(ly - 4)\" stroke=\"\(s.color)\" stroke-width=\"2\"/>\n"
                svg += "<text x=\"\(width - margin.right + 34)\" y=\"\(ly)\">\(s.name)</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    /// Axis ticks at round values (1, 2 or 5 × 10ⁿ apart) covering `lo…hi`, about five of them.
    public struct Ticks: Equatable {
        public var values: [Double]
        /// Decimals the spacing needs (0.25 → 2, 50 → 0).
        public var decimals: Int
        public func label(_ v: Double) -> String { String(format: "%.\(decimals)f", v) }
    }

    public static func ticks(_ lo: Double, _ hi: Double, count: Int = 5, integers: Bool = false) -> Ticks {
        let span = hi - lo > 1e-12 ? hi - lo : max(abs(lo), 1)
        let raw = max(span / Double(max(count - 1, 1)), integers ? 1 : 0)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw * 0.999 } ?? 10 * mag
        let first = floor(lo / step + 1e-9) * step
        var last = ceil(hi / step - 1e-9) * step
        if last <= first { last = first + step }
        let n = Int(((last - first) / step).rounded())
        let values = (0...n).map { first + Double($0) * step }
        return Ticks(values: values, decimals: max(0, -Int(floor(log10(step) + 1e-9))))
    }
}
