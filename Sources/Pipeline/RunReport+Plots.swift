// RunReport+Plots: the report's SVG plots: training and distillation curves, the α×T sweep heat map, params vs metric.
import CondenseCore
import Distill
import Foundation

extension RunReport {
    /// (file name, SVG text) for every plot this report has data for.
    func svgPlots() -> [(String, String)] {
        var out: [(String, String)] = []
        if let c = curvesPlot() { out.append(("curves.svg", c)) }
        if let s = sweepPlot() { out.append(("sweep.svg", s)) }
        if let c = comparePlot() { out.append(("compare.svg", c)) }
        if models.count >= 1 { out.append(("params-vs-metric.svg", paramsPlot())) }
        return out
    }

    var distill: StageReport? { stages.first { $0.stage == "distill" } }

    /// Train objective (solid) and validation loss (dashed, dots) against the step, for each training run.
    func curvesPlot() -> String? {
        var series: [(String, [JSONValue])] = []
        if case .array(let t)? = teacher_curve, !t.isEmpty { series.append(("teacher training", t)) }
        if let d = distill.flatMap({ try? DistillDetails(report: $0) }) {
            let points = { (c: [CurvePoint]) in c.compactMap { try? JSONValue(encoding: $0) } }
            if !d.curve.isEmpty { series.append(("distillation (final run)", points(d.curve))) }
            if let b = d.baseline_curve, !b.isEmpty { series.append(("scratch baseline", points(b))) }
        }
        guard !series.isEmpty else { return nil }
        func pts(_ a: [JSONValue], _ key: String) -> [(Double, Double)] {
            a.compactMap { p in p["step"]?.number.flatMap { s in p[key]?.number.map { (s, $0) } } }
        }
        let all = series.flatMap { pts($0.1, "train_loss") + pts($0.1, "val_loss") }
        let xs = all.map(\.0), ys = all.map(\.1)
        var x = SVGChart.Axis.fitting([0] + xs, label: "optimizer step", pad: 0.02)
        x.lo = 0
        let y = SVGChart.Axis.fitting(ys, label: "loss (nats)")
        var chart = SVGChart(x: x, y: y)
        for (i, (name, a)) in series.enumerated() {
            let color = palette[i % palette.count]
            chart.line(pts(a, "train_loss"), color: color, label: "\(name): train objective", width: 1.5)
            let v = pts(a, "val_loss")
            chart.line(v, color: color, label: v.isEmpty ? nil : "\(name): val loss", dashed: true)
            for p in v { chart.marker(p.0, p.1, color: color, r: 3.5) }
        }
        return chart.render(title: "Training and distillation curves",
                            subtitle: "train objective per logged step (distillation: α·T²·KL + (1−α)·CE); validation cross-entropy at each evaluation")
    }

    /// The α×T search as a heat map of the first rung (every candidate, same steps); the winner is outlined.
    func sweepPlot() -> String? {
        guard let d = distill, case .array(let rows)? = d.details["sweep"], !rows.isEmpty else { return nil }
        struct Row { var rung: Int; var alpha: Double; var t: Double; var metric: Double; var steps: Int }
        let parsed = rows.compactMap { r -> Row? in
            guard let rung = r["rung"]?.number, let a = r["alpha"]?.number, let t = r["temperature"]?.number,
                  let m = r["val_metric"]?.number, let s = r["steps"]?.number else { return nil }
            return Row(rung: Int(rung), alpha: a, t: t, metric: m, steps: Int(s))
        }
        let first = parsed.filter { $0.rung == 0 }
        guard !first.isEmpty else { return nil }
        let alphas = Array(Set(first.map(\.alpha))).sorted(), temps = Array(Set(first.map(\.t))).sorted()
        let lastRung = Dictionary(grouping: parsed, by: { "\($0.alpha) \($0.t)" }).mapValues { $0.map(\.rung).max() ?? 0 }
        let chosenA = d.details["chosen"]?["alpha"]?.number, chosenT = d.details["chosen"]?["temperature"]?.number
        let values = first.map(\.metric), lo = values.min()!, hi = values.max()!
        let better = metric_kind == .accuracy
        let cw = 110.0, ch = 44.0, top = 104.0
        let gridW = cw * Double(temps.count), width = max(720, gridW + 330), left = (width - gridW - 150) / 2 + 40
        let height = top + ch * Double(alphas.count) + 30
        var s = String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"Helvetica, Arial, sans-serif\">\n",
                       width, height, width, height)
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += String(format: "<text x=\"%.1f\" y=\"22\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">α × T search: validation %@ after %d steps</text>\n",
                    width / 2, metric_kind == .accuracy ? "accuracy" : "loss (nats)", first[0].steps)
        s += String(format: "<text x=\"%.1f\" y=\"40\" font-size=\"11\" fill=\"#555\" text-anchor=\"middle\">%@</text>\n", width / 2,
                    escape("first rung of successive halving (every candidate, same steps); darker is better"))
        s += String(format: "<text x=\"%.1f\" y=\"56\" font-size=\"11\" fill=\"#555\" text-anchor=\"middle\">%@</text>\n", width / 2,
                    escape("rN = the last rung a candidate reached; outlined = the winner, trained on the rest of the budget"))
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\">temperature T</text>\n", left + cw * Double(temps.count) / 2, top - 30)
        s += String(format: "<text transform=\"translate(\(left - 50),%.1f) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">distillation weight α</text>\n",
                    top + ch * Double(alphas.count) / 2)
        for (j, t) in temps.enumerated() {
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%@</text>\n", left + cw * (Double(j) + 0.5), top - 8, shortNumber(t))
        }
        for (i, a) in alphas.enumerated() {
            let y = top + ch * Double(i)
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%@</text>\n", left - 8, y + ch / 2 + 4, shortNumber(a))
            for (j, t) in temps.enumerated() {
                let x = left + cw * Double(j)
                guard let r = first.first(where: { $0.alpha == a && $0.t == t }) else {
                    let note = a == 0 ? "T unused at α = 0" : "not searched"
                    s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f3f3f3\" stroke=\"white\"/>\n", x, y, cw, ch)
                    s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#888\" text-anchor=\"middle\">%@</text>\n", x + cw / 2, y + ch / 2 + 3, escape(note))
                    continue
                }
                var q = hi > lo ? (r.metric - lo) / (hi - lo) : 1
                if !better { q = 1 - q }
                let (fill, ink) = heat(q)
                s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\" stroke=\"white\"/>\n", x, y, cw, ch, fill)
                let label = metric_kind == .accuracy ? String(format: "%.2f %%", r.metric * 100) : String(format: "%.4f", r.metric)
                s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" fill=\"%@\" text-anchor=\"middle\">%@</text>\n", x + cw / 2, y + ch / 2, ink, label)
                s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"%@\" text-anchor=\"middle\">r%d</text>\n", x + cw / 2, y + ch / 2 + 14, ink,
                            lastRung["\(a) \(t)"] ?? 0)
                if a == chosenA && (t == chosenT || a == 0) {
                    s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#D55E00\" stroke-width=\"4\"/>\n", x + 2, y + 2, cw - 4, ch - 4)
                }
            }
        }
        // Colour bar.
        let bx = left + cw * Double(temps.count) + 40, bh = ch * Double(alphas.count)
        for k in 0..<20 {
            let q = 1 - Double(k) / 19
            s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"%.1f\" fill=\"%@\"/>\n", bx, top + bh * Double(k) / 20, bh / 20 + 0.5, heat(q).0)
        }
        let fmt: (Double) -> String = { self.metric_kind == .accuracy ? String(format: "%.2f %%", $0 * 100) : String(format: "%.4f", $0) }
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%@ (best)</text>\n", bx + 24, top + 10, fmt(better ? hi : lo))
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%@</text>\n", bx + 24, top + bh, fmt(better ? lo : hi))
        return s + "</svg>\n"
    }

    /// A light-to-dark blue ramp; q = 1 is the best. Returns (fill, text colour).
    func heat(_ q: Double) -> (String, String) {
        let c0 = (239.0, 243.0, 255.0), c1 = (8.0, 48.0, 107.0)
        let r = c0.0 + (c1.0 - c0.0) * q, g = c0.1 + (c1.1 - c0.1) * q, b = c0.2 + (c1.2 - c0.2) * q
        return (String(format: "#%02x%02x%02x", Int(r), Int(g), Int(b)), q > 0.55 ? "white" : "#111")
    }

    /// Every model: parameters (log scale) against the report metric; int8 models are squares.
    func paramsPlot() -> String {
        let ys = models.map { metric_kind == .accuracy ? $0.metric * 100 : $0.metric }
        let x = SVGChart.Axis.fitting(models.map { Double($0.params) }, label: "parameters (log scale)", log: true)
        var y = SVGChart.Axis.fitting(ys, label: metric_kind == .accuracy ? "\(metric_split) accuracy (%)" : "\(metric_split) loss (nats, lower is better)",
                                      pad: 0.15)
        y.format = { shortNumber($0) }
        var chart = SVGChart(x: x, y: y)
        chart.legendAtBottom = metric_kind == .accuracy
        chart.line(zip(models, ys).map { (Double($0.params), $1) }, color: "#bbbbbb", label: nil, dashed: true, width: 1)
        for (i, (m, v)) in zip(models, ys).enumerated() {
            chart.marker(Double(m.params), v, color: palette[i % palette.count], square: m.quantized,
                         label: m.name + (m.quantized ? " (int8)" : ""))
            let text = metric_kind == .accuracy ? String(format: "%.2f %%", v) : String(format: "%.3f", v)
            let t = chart.x.t(Double(m.params))
            let anchor = t > 0.75 ? "end" : t < 0.25 ? "start" : "middle"
            chart.text("\(m.name): \(text), \(bytes(m.bytes))", atX: Double(m.params), y: v, dx: anchor == "end" ? 8 : anchor == "start" ? -8 : 0,
                       dy: i % 2 == 0 ? -12 : 20, anchor: anchor, size: 11)
        }
        return chart.render(title: "Parameters against \(metric_split) \(metric_kind == .accuracy ? "accuracy" : "loss")",
                            subtitle: "every model of the run; squares are int8 (same parameter count, a quarter of the bytes per weight)")
    }
}
