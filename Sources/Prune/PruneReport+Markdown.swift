// PruneReport+Markdown: the human-readable prune report: sizes, metric, latency, and the importance and candidate tables.
import CondenseCore
import Foundation

/// Renders a prune StageReport as Markdown; tables come from its `details` (PruneDetails).
public func pruneMarkdown(_ r: StageReport) -> String {
    var md: [String] = ["# Prune report", ""]
    func f(_ x: Double?, _ digits: Int = 4) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "–" }
    func i(_ x: Int?) -> String { x.map(String.init) ?? "–" }
    let metric = r.metric_kind == .accuracy ? "val accuracy" : "val loss"
    md += ["| | before | after |", "|---|---:|---:|",
           "| parameters | \(r.params_before) | \(r.params_after) |",
           "| bytes on disk | \(i(r.bytes_before)) | \(i(r.bytes_after)) |",
           "| \(metric) | \(f(r.metric_before)) | \(f(r.metric_after)) |",
           "| latency batch 1 (ms) | \(f(r.latency_b1_ms_before, 2)) | \(f(r.latency_b1_ms_after, 2)) |",
           "| latency batch \(i(r.latency_batch)) (ms) | \(f(r.latency_bn_ms_before, 2)) | \(f(r.latency_bn_ms_after, 2)) |",
           "", "Wall time \(f(r.wall_seconds, 1)) s, seed \(r.seed)."]
    guard let data = try? JSONEncoder().encode(r.details),
          let d = try? JSONDecoder().decode(PruneDetails.self, from: data) else { return md.joined(separator: "\n") + "\n" }
    md += ["", "Criterion `\(d.criterion)`" + (d.layer_criterion.map { ", layer criterion `\($0)`" } ?? "") +
           "; calibration \(d.calibration_samples) samples" + (d.calibration_tokens > 0 ? " (\(d.calibration_tokens) tokens)" : "") +
           " from the training split.", "", "- before: `\(d.architecture_before)`", "- after: `\(d.architecture_after)`"]
    if let v = d.val_loss_before, let w = d.val_loss_after, r.metric_kind == .accuracy {
        md += ["- val loss: \(f(v)) → \(f(w))"]
    }
    if !d.layers.isEmpty {
        md += ["", "## Blocks", "", "| block | block influence | loss increase | kept |", "|---:|---:|---:|:---:|"]
        md += d.layers.map { "| \($0.index) | \(f($0.block_influence)) | \(f($0.loss_increase)) | \($0.kept ? "yes" : "no") |" }
    }
    if !d.contiguous_windows.isEmpty {
        md += ["", "## Contiguous runs", "", "| removed | calibration loss |", "|---|---:|"]
        md += d.contiguous_windows.map { "| \($0.start)..<\($0.start + $0.count) | \(f($0.loss)) |" }
    }
    if !d.heads.isEmpty, let H = d.heads.first?.count {
        let keptHeads = d.kept_gpt.map { k in Dictionary(uniqueKeysWithValues: zip(k.layers, k.heads)) } ?? [:]
        md += ["", "## Heads (importance; * kept)", "", "| block | " + (0..<H).map { "h\($0)" }.joined(separator: " | ") + " |",
               "|---:|" + String(repeating: "---:|", count: H)]
        for (l, row) in d.heads.enumerated() {
            let kept = Set(keptHeads[l] ?? [])
            md.append("| \(l) | " + row.enumerated().map { f($0.element, 3) + (kept.contains($0.offset) ? "*" : "") }
                .joined(separator: " | ") + " |")
        }
    }
    if !d.neurons.isEmpty {
        md += ["", "## Neuron groups", "", "Neurons ranked by importance and cut into 8 equal groups (mean importance per group, " +
               "most important first).", "", "| layer | neurons | kept | " + (1...8).map { "g\($0)" }.joined(separator: " | ") + " |",
               "|---:|---:|---:|" + String(repeating: "---:|", count: 8)]
        for (l, row) in d.neurons.enumerated() {
            let sorted = row.sorted(by: >)
            let groups = (0..<8).map { g -> String in
                let a = g * sorted.count / 8, b = (g + 1) * sorted.count / 8
                return b > a ? f(sorted[a..<b].reduce(0, +) / Double(b - a), 3) : "–"
            }
            var keptCount = "–"
            if let k = d.kept_gpt, let j = k.layers.firstIndex(of: l) { keptCount = "\(k.neurons[j].count)" }
            if let k = d.kept_mlp { keptCount = "\(k.hidden[l].count)" }
            if d.kept_gpt != nil && keptCount == "–" { keptCount = "0 (block removed)" }
            md.append("| \(l) | \(row.count) | \(keptCount) | " + groups.joined(separator: " | ") + " |")
        }
    }
    if !d.channels.isEmpty {
        let s = d.channels.sorted()
        md += ["", "## Embedding channels", "", "\(d.channels.count) channels, \(d.kept_gpt?.channels.count ?? d.channels.count) kept; " +
               "importance min \(f(s.first, 3)), median \(f(s[s.count / 2], 3)), max \(f(s.last, 3))."]
    }
    if !d.candidates.isEmpty {
        md += ["", "## Budget candidates (≤ \(i(d.budget)) parameters), scored by validation loss straight after pruning", "",
               "| layers | heads | embd | ffn | hidden | params | val loss | chosen |", "|---:|---:|---:|---:|---|---:|---:|:---:|"]
        md += d.candidates.map { c in
            "| \(i(c.layers)) | \(i(c.heads)) | \(i(c.embd)) | \(i(c.ffn)) | \(c.hidden.map { $0.map(String.init).joined(separator: ",") } ?? "–") | " +
            "\(c.params) | \(f(c.val_loss)) | \(c.chosen ? "✓" : "") |"
        }
    }
    return md.joined(separator: "\n") + "\n"
}
