// SVG: a small plotting canvas (axes with nice ticks, linear or log scales, lines, markers, text, legend) for the report.
import Foundation

/// A chart area inside an SVG document, mapping data coordinates to pixels.
struct SVGChart {
    let width: Double, height: Double
    let left = 78.0, right = 24.0, top = 44.0, bottom = 58.0
    var x: Axis, y: Axis
    private(set) var body = ""
    /// Legend in the bottom-right corner instead of the top-right.
    var legendAtBottom = false
    private var legend: [(label: String, color: String, dashed: Bool, marker: Bool)] = []

    struct Axis {
        var lo: Double, hi: Double
        var log = false
        var label: String
        var format: (Double) -> String = { shortNumber($0) }

        func t(_ v: Double) -> Double {
            log ? (Foundation.log10(max(v, 1e-300)) - Foundation.log10(lo)) / (Foundation.log10(hi) - Foundation.log10(lo)) : (v - lo) / (hi - lo)
        }

        /// Tick values: 1-2-5 steps (linear) or powers of ten and their 2×/5× (log).
        var ticks: [Double] {
            if log {
                var out: [Double] = []
                var p = pow(10, floor(Foundation.log10(lo)))
                while p <= hi * 1.0001 {
                    for m in [1.0, 2, 5] where p * m >= lo * 0.9999 && p * m <= hi * 1.0001 { out.append(p * m) }
                    p *= 10
                }
                return out
            }
            let raw = (hi - lo) / 6, mag = pow(10, floor(Foundation.log10(raw)))
            let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
            var v = ceil(lo / step) * step, out: [Double] = []
            while v <= hi + step * 1e-9 { out.append(abs(v) < step * 1e-9 ? 0 : v); v += step }
            return out
        }

        /// Widens [lo, hi] by a margin and to round values.
        static func fitting(_ values: [Double], label: String, log: Bool = false, pad: Double = 0.06) -> Axis {
            let finite = values.filter { $0.isFinite && (!log || $0 > 0) }
            var lo = finite.min() ?? 0, hi = finite.max() ?? 1
            if log {
                lo = pow(10, floor(Foundation.log10(lo * 0.8))); hi = pow(10, ceil(Foundation.log10(hi * 1.25)))
                return Axis(lo: lo, hi: hi, log: true, label: label)
            }
            if hi - lo < 1e-12 { lo -= max(abs(lo) * 0.05, 1e-3); hi += max(abs(hi) * 0.05, 1e-3) }
            let m = (hi - lo) * pad
            return Axis(lo: lo - m, hi: hi + m, label: label)
        }
    }

    init(width: Double = 760, height: Double = 440, x: Axis, y: Axis) {
        self.width = width; self.height = height; self.x = x; self.y = y
    }

    var plotW: Double { width - left - right }
    var plotH: Double { height - top - bottom }
    func px(_ v: Double) -> Double { left + x.t(v) * plotW }
    func py(_ v: Double) -> Double { top + (1 - y.t(v)) * plotH }

    mutating func line(_ points: [(Double, Double)], color: String, label: String?, dashed: Bool = false, width w: Double = 2) {
        let pts = points.filter { $0.0.isFinite && $0.1.isFinite }
        guard !pts.isEmpty else { return }
        let d = pts.enumerated().map { String(format: "%@%.1f,%.1f", $0.offset == 0 ? "M" : "L", px($0.element.0), py($0.element.1)) }.joined()
        body += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(w)\"\(dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
        if let label { legend.append((label, color, dashed, false)) }
    }

    mutating func marker(_ x: Double, _ y: Double, color: String, square: Bool = false, r: Double = 6, label: String? = nil) {
        if square {
            body += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\" stroke=\"#222\"/>\n",
                           px(x) - r, py(y) - r, 2 * r, 2 * r, color)
        } else {
            body += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%@\" stroke=\"#222\"/>\n", px(x), py(y), r, color)
        }
        if let label { legend.append((label, color, false, true)) }
    }

    mutating func text(_ s: String, atX x: Double, y: Double, dx: Double = 8, dy: Double = -8, anchor: String = "start", size: Int = 12) {
        body += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%@\">%@</text>\n",
                       px(x) + dx, py(y) + dy, size, anchor, escape(s))
    }

    /// The finished SVG: title, grid, ticks, axis labels, the marks, and the legend in the top-right corner.
    func render(title: String, subtitle: String = "") -> String {
        var s = String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"Helvetica, Arial, sans-serif\">\n",
                       width, height, width, height)
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += String(format: "<text x=\"%.1f\" y=\"22\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">%@</text>\n", width / 2, escape(title))
        if !subtitle.isEmpty {
            s += String(format: "<text x=\"%.1f\" y=\"38\" font-size=\"11\" fill=\"#555\" text-anchor=\"middle\">%@</text>\n", width / 2, escape(subtitle))
        }
        for t in x.ticks {
            let p = px(t)
            s += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", p, top, p, top + plotH)
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%@</text>\n", p, top + plotH + 16, escape(x.format(t)))
        }
        for t in y.ticks {
            let p = py(t)
            s += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", left, p, left + plotW, p)
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%@</text>\n", left - 6, p + 4, escape(y.format(t)))
        }
        s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n", left, top, plotW, plotH)
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\">%@</text>\n", left + plotW / 2, height - 14, escape(x.label))
        s += String(format: "<text transform=\"translate(18,%.1f) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">%@</text>\n", top + plotH / 2, escape(y.label))
        s += "<g>\n" + body + "</g>\n"
        if !legend.isEmpty {
            let w = 14 + 7.0 * Double(legend.map(\.label.count).max() ?? 0) + 34, h = 20.0 * Double(legend.count) + 8
            let lx = left + plotW - w - 8, ly = legendAtBottom ? top + plotH - h - 8 : top + 8
            s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999\"/>\n", lx, ly, w, h)
            for (i, e) in legend.enumerated() {
                let yy = ly + 18 + 20 * Double(i)
                if e.marker {
                    s += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%@\" stroke=\"#222\"/>\n", lx + 18, yy - 4, e.color)
                } else {
                    s += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"2\"%@/>\n",
                                lx + 6, yy - 4, lx + 30, yy - 4, e.color, e.dashed ? " stroke-dasharray=\"6 4\"" : "")
                }
                s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%@</text>\n", lx + 38, yy, escape(e.label))
            }
        }
        return s + "</svg>\n"
    }
}

/// 1234567 → "1.2M", 0.25 → "0.25".
func shortNumber(_ v: Double) -> String {
    let a = abs(v)
    if a >= 1e6 { return String(format: "%gM", (v / 1e6 * 100).rounded() / 100) }
    if a >= 1e4 { return String(format: "%gk", (v / 1e3 * 10).rounded() / 10) }
    return String(format: "%g", (v * 1e4).rounded() / 1e4)
}

func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}

/// Colours that stay distinct in print and for common colour-vision deficiencies (Okabe–Ito).
let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
