// RunReport+Markdown: report.md: the comparison table (also `condense report`'s output) and the stages' details.
import CondenseCore
import Foundation

extension RunReport {
    var metricLabel: String {
        metric_kind == .accuracy ? "\(metric_split) accuracy" : "\(metric_split) loss (nats)"
    }

    /// The comparison table, one row per model, the reference first.
    public var table: String {
        let gpt = models.contains { $0.generate_tokens_per_s != nil }
        var head = ["model", "params", "% of \(reference) params", "bytes on disk", metricLabel, "Δ vs \(reference)"]
        if metric_kind == .loss { head.append("perplexity") }
        head += ["latency b1 (ms)", "speed-up b1", "latency b64 (ms)", "speed-up b64"]
        if gpt { head.append("generate b1 (tokens/s)") }
        var lines = ["| " + head.joined(separator: " | ") + " |",
                     "|" + head.enumerated().map { $0.offset == 0 ? "---" : "---:" }.joined(separator: "|") + "|"]
        for (i, r) in models.enumerated() {
            var cells = [r.name + (r.quantized ? " (int8)" : ""), grouped(r.params), String(format: "%.1f %%", r.params_vs_teacher * 100),
                         bytes(r.bytes), metric(r.metric), i == 0 ? "—" : delta(r.delta_vs_teacher)]
            if metric_kind == .loss { cells.append(r.perplexity.map { String(format: "%.3f", $0) } ?? "—") }
            cells += [ms(r.latency_b1_ms), speed(r.speedup_b1), ms(r.latency_b64_ms), speed(r.speedup_b64)]
            if gpt { cells.append(r.generate_tokens_per_s.map { String(format: "%.0f", $0) } ?? "—") }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the table's figures are and how they were taken.
    public var legend: String {
        let unit = metric_kind == .loss ? "tokens" : data == "fashion-mnist" ? "images" : "examples"
        let count = models.first.map { grouped($0.count) } ?? "?"
        var s = "Data: \(data), \(metric_split) split (\(count) \(unit)). "
        s += metric_kind == .accuracy ? "Accuracy: higher is better; Δ in percentage points. "
                                      : "Loss: mean cross-entropy in nats per token, lower is better. "
        s += "The stages tune on the validation split only; this table is the only place the \(metric_split) split is used. "
        s += "Latency: median of \(latency_runs) inference forwards at batch 1 and batch 64"
        s += metric_kind == .loss ? " (sequences of block_size tokens)" : ""
        s += ", on this machine (\(cores) cores). Speed-up is \(reference)'s latency divided by the row's.\n"
        return s
    }

    /// report.md.
    public var markdown: String {
        var s = "# Condense report" + (recipe.map { ": `\($0)`" } ?? "") + "\n\n"
        s += legend + "\n" + table + "\n"
        s += speculativeMarkdown
        s += generationMarkdown
        if !runs.isEmpty || !stages.isEmpty {
            s += "## Stages\n\n| # | stage | this run | stage wall time | params | val metric before → after | notes |\n|---:|---|---|---:|---:|---|---|\n"
            for (i, r) in stages.enumerated() {
                let run = i < runs.count ? runs[i] : nil
                let status = run.map { $0.status + ($0.status == "skipped" ? "" : String(format: " (%.0f s)", $0.seconds)) } ?? ""
                let before = r.metric_before.map(metric) ?? "—", after = r.metric_after.map(metric) ?? "—"
                s += "| \(i + 1) | \(r.stage) | \(status) | \(String(format: "%.0f s", r.wall_seconds)) | "
                s += "\(grouped(r.params_before)) → \(grouped(r.params_after)) | \(before) → \(after) | \(notes(r)) |\n"
            }
            s += "\n"
        }
        s += comparisonMarkdown
        if let w = wall_seconds { s += String(format: "Total wall time of this run: %.0f s (%.1f min).", w, w / 60) + "\n\n" }
        if let p = data_provenance { s += dataSection(p) }
        if !plots.isEmpty {
            s += "## Plots\n\n"
            for p in plots { s += "![\(p)](\(p))\n\n" }
        }
        if let r = resolved_recipe { s += "The resolved recipe (every default filled in) is `\(URL(fileURLWithPath: r).lastPathComponent)`; report.json holds every figure and stage report.\n" }
        return s
    }

    /// A short description of what a stage decided.
    func notes(_ r: StageReport) -> String {
        switch r.stage {
        case "prune":
            if let a = r.details["architecture_after"]?.string, let arch = try? Architecture(json: a, file: "report") { return shape(arch) }
        case "distill":
            let d = r.details
            var parts: [String] = []
            if let a = d["chosen"]?["alpha"]?.number, let t = d["chosen"]?["temperature"]?.number {
                parts.append(String(format: "α = %g, T = %g", a, t))
            }
            if let w = d["comparison"]?["winner"]?.string { parts.append("best of the compared methods: \(w)") }
            if let s = d["total_steps"]?.number { parts.append("\(Int(s)) steps") }
            if let g = d["gap_recovered"]?.number { parts.append(String(format: "gap recovered %.0f %%", g * 100)) }
            return parts.joined(separator: "; ")
        case "quantize":
            let c = r.config
            var parts = ["activations \(c["activations"]?.string ?? "?")"]
            if let sq = c["smoothquant"], sq != .string("off") { parts.append("SmoothQuant α = \(sq)") }
            if let a = r.details["agreement"]?["top1_agreement"]?.number { parts.append(String(format: "top-1 agreement %.1f %%", a * 100)) }
            return parts.joined(separator: "; ")
        default: break
        }
        return ""
    }

    /// "784-256-128-10", or "6 layers, n_embd 256, 8 heads × 32, ffn 1024".
    func shape(_ a: Architecture) -> String {
        switch a {
        case .mlp(let m): return "widths " + m.widths.map(String.init).joined(separator: "-")
        case .gpt(let g): return "\(g.n_layer) layers, n_embd \(g.n_embd), \(g.n_head) heads × \(g.head_dim), ffn \(g.ffn_hidden)"
        }
    }

    func metric(_ v: Double) -> String {
        metric_kind == .accuracy ? String(format: "%.2f %%", v * 100) : String(format: "%.4f", v)
    }

    func delta(_ v: Double) -> String {
        metric_kind == .accuracy ? String(format: "%+.2f pp", v * 100) : String(format: "%+.4f", v)
    }
}

func grouped(_ n: Int) -> String { n.formatted(grouping: true) }

func bytes(_ n: Int) -> String {
    if n >= 1 << 20 { return String(format: "%.2f MiB", Double(n) / Double(1 << 20)) }
    if n >= 1 << 10 { return String(format: "%.1f KiB", Double(n) / 1024) }
    return "\(n) B"
}

func ms(_ v: Double?) -> String {
    guard let v else { return "—" }
    return v >= 100 ? String(format: "%.0f", v) : v >= 10 ? String(format: "%.1f", v) : String(format: "%.3f", v)
}

func speed(_ v: Double?) -> String { v.map { String(format: "%.2f×", $0) } ?? "—" }

extension RunReport {
    /// Where the data came from: each split's size, origin and SHA-256.
    func dataSection(_ p: DataProvenance) -> String {
        var s = "## Data\n\n`\(p.source)`, read as \(p.format)\(p.detected ? " (detected from the content)" : "").\n\n"
        s += "| split | size | origin | SHA-256 |\n|---|---:|---|---|\n"
        for name in ["train", "val", "test"] {
            guard let r = p.splits[name] else { continue }
            s += "| \(name) | \(grouped(r.size)) \(r.unit) | \(r.origin) | `\(r.sha256.prefix(16))…` |\n"
        }
        for n in p.notes { s += "\n- \(n)" }
        return s + "\n\n"
    }
}
