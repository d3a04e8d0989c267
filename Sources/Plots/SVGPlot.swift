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
            let x0 = xs.min()!, x1 = max(xs.max()!, x0 + 1)
            var y0 = min(ys.min()!, 0), y1 = ys.max()!
            if y1 - y0 < 1e-9 { y1 = y0 + 1 }
            y1 += (y1 - y0) * 0.05
            y0 = min(y0, 0)
            func px(_ x: Double) -> Double { margin.left + (x - x0) / (x1 - x0) * w }
            func py(_ y: Double) -> Double { top + margin.top + h - (y - y0) / (y1 - y0) * h }
            svg += "<text x=\"\(margin.left)\" y=\"\(top + 18)\" font-weight=\"bold\">\(panel.title)</text>\n"
            svg += "<rect x=\"\(margin.left)\" y=\"\(top + margin.top)\" width=\"\(w)\" height=\"\(h)\" fill=\"none\" stroke=\"#999\"/>\n"
            for k in 0...4 {
                let yv = y0 + (y1 - y0) * Double(k) / 4, xv = x0 + (x1 - x0) * Double(k) / 4
                svg += "<line x1=\"\(margin.left)\" x2=\"\(margin.left + w)\" y1=\"\(py(yv))\" y2=\"\(py(yv))\" stroke=\"#eee\"/>\n"
                svg += "<text x=\"\(margin.left - 6)\" y=\"\(py(yv) + 4)\" text-anchor=\"end\">\(String(format: "%.2f", yv))</text>\n"
                svg += "<text x=\"\(px(xv))\" y=\"\(top + margin.top + h + 16)\" text-anchor=\"middle\">\(Int(xv))</text>\n"
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
}
