// RunReport+Compare: a distill stage's method comparison in the report: one table (report.md) and one plot
// (compare.svg: validation metric against examples or tokens seen, one line per method).
import CondenseCore
import Distill
import Foundation

extension RunReport {
    /// The distill stage's comparison, when it ran one.
    var comparison: DistillComparison? {
        distill.flatMap { try? DistillDetails(report: $0) }?.comparison
    }

    /// The methods' table: validation metric, what each saw and its wall time; the winner marked.
    var comparisonMarkdown: String {
        guard let c = comparison else { return "" }
        let label = c.metric_kind == .accuracy ? "val accuracy" : "val loss (nats)"
        var s = "## Distillation methods at equal budget\n\n"
        s += "Each method from the same student, seed and budget; the winner (by the validation metric only) is the stage's output.\n\n"
        let text = c.methods.contains { $0.generation != nil }
        s += "| method | \(label) | \(c.seen_unit) seen | wall time |" + (text ? " teacher NLL of its samples | draft acceptance |" : "")
        s += " |\n|---|---:|---:|---:|" + (text ? "---:|---:|" : "") + "---|\n"
        for m in c.methods {
            let v = c.metric_kind == .accuracy ? String(format: "%.2f %%", m.val.metric * 100) : String(format: "%.4f", m.val.metric)
            s += "| \(m.method) | \(v) | \(grouped(m.seen)) | \(String(format: "%.0f s", m.seconds)) |"
            if text {
                let g = m.generation
                s += " \(g.map { String(format: "%.4f", $0.teacher_nll) } ?? "–") | \(g?.acceptance_rate.map { String(format: "%.1f %%", $0 * 100) } ?? "–") |"
            }
            s += " \(m.method == c.winner ? "winner" : "") |\n"
        }
        if text { s += "\nTeacher NLL: the teacher's mean per-token NLL (nats) of the method's student's samples on validation prompts (lower: the student writes what the teacher would); draft acceptance: greedy, the student as the teacher's speculative draft.\n" }
        return s + "\n"
    }

    /// Validation metric against examples or tokens seen, one line (with markers) per method.
    func comparePlot() -> String? {
        guard let c = comparison, c.methods.contains(where: { !$0.curve.isEmpty }) else { return nil }
        let scale = c.metric_kind == .accuracy ? 100.0 : 1
        let pts = c.methods.map { m in m.curve.map { (Double($0.seen), $0.val_metric * scale) } }
        var x = SVGChart.Axis.fitting([0] + pts.flatMap { $0.map(\.0) }, label: "\(c.seen_unit) seen by the student", pad: 0.02)
        x.lo = 0
        var y = SVGChart.Axis.fitting(pts.flatMap { $0.map(\.1) },
                                      label: c.metric_kind == .accuracy ? "validation accuracy (%)" : "validation loss (nats)")
        y.format = { shortNumber($0) }
        var chart = SVGChart(x: x, y: y)
        chart.legendAtBottom = c.metric_kind == .accuracy
        for (i, (m, p)) in zip(c.methods, pts).enumerated() {
            let color = palette[i % palette.count]
            chart.line(p, color: color, label: m.method + (m.method == c.winner ? " (winner)" : ""), width: 1.5)
            for q in p { chart.marker(q.0, q.1, color: color, r: 3) }
        }
        return chart.render(title: "Distillation methods at equal budget",
                            subtitle: "validation \(c.metric_kind == .accuracy ? "accuracy" : "loss") at each evaluation against \(c.seen_unit) seen; same student, seed and budget")
    }
}
