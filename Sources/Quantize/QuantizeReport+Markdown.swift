// QuantizeReport+Markdown: the human-readable quantize report: sizes, metric, latency, agreement, per-layer SQNR.
import CondenseCore
import Foundation

/// Renders a quantize StageReport as Markdown; the tables come from its `details` (QuantizeDetails).
public func quantizeMarkdown(_ r: StageReport) -> String {
    func f(_ x: Double?, _ digits: Int = 4) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "–" }
    func i(_ x: Int?) -> String { x.map(String.init) ?? "–" }
    let metric = r.metric_kind == .accuracy ? "val accuracy" : "val loss (nats)"
    var md = ["# Quantize report", "", "| | float | int8 |", "|---|---:|---:|",
              "| parameters | \(r.params_before) | \(r.params_after) |",
              "| bytes on disk | \(i(r.bytes_before)) | \(i(r.bytes_after)) |",
              "| \(metric) | \(f(r.metric_before)) | \(f(r.metric_after)) |",
              "| latency batch 1 (ms) | \(f(r.latency_b1_ms_before, 3)) | \(f(r.latency_b1_ms_after, 3)) |",
              "| latency batch \(i(r.latency_batch)) (ms) | \(f(r.latency_bn_ms_before, 3)) | \(f(r.latency_bn_ms_after, 3)) |",
              "", "Wall time \(f(r.wall_seconds, 1)) s, seed \(r.seed)."]
    guard let data = try? JSONEncoder().encode(r.details),
          let d = try? JSONDecoder().decode(QuantizeDetails.self, from: data) else { return md.joined(separator: "\n") + "\n" }
    let a = d.agreement
    md += ["", "Activations `\(d.activations)`" + (d.calibration.map { ", calibration `\($0)`" } ?? "") +
           (d.smoothquant.map { ", SmoothQuant α = \($0)" } ?? "") + (d.weight_bits == 7 ? ", 7-bit weights in [−63, 63]" : "") +
           "; \(d.calibration_samples) calibration samples.",
           "Linear-layer weights: \(d.linear_bytes_float) bytes in float32 → \(d.linear_bytes_after) bytes (" +
           f(Double(d.linear_bytes_after) / Double(max(d.linear_bytes_float, 1)) * 100, 1) + "%).",
           "",
           "Agreement with the float model over \(a.rows) validation rows: top-1 \(f(a.top1_agreement * 100, 2))%, " +
           "mean KL \(String(format: "%.3g", a.mean_kl)) nats, max |Δ logit| \(f(a.max_abs_logit_diff, 4)).",
           "", "## Layers", "", "| layer | shape | scheme | weight SQNR (dB) | output SQNR (dB) | input scale |",
           "|---|---|---|---:|---:|---:|"]
    md += d.layers.map { l in
        "| \(l.layer) | \(l.shape.map(String.init).joined(separator: "×")) | \(l.scheme) | \(f(l.weight_sqnr_db, 1)) | " +
        "\(f(l.output_sqnr_db, 1)) | \(l.input_scale.map { String(format: "%.4g", $0) } ?? "–") |"
    }
    return md.joined(separator: "\n") + "\n"
}
