// RunReport+Generation: report.md's section on how the distilled student (and the scratch baseline) generate for the
// teacher: the teacher's NLL of their samples, their own, and their draft figures, from the distill stage's details.
import CondenseCore
import Distill
import Foundation

extension RunReport {
    /// The distill stage's generation metrics as a table; "" when the run has none (images, or generation_samples 0).
    public var generationMarkdown: String {
        guard let r = distill, let d = try? DistillDetails(report: r) else { return "" }
        let rows = [("distilled student", d.generation), ("scratch baseline", d.baseline_generation)].compactMap { n, g in g.map { (n, $0) } }
        guard let first = rows.first?.1 else { return "" }
        var s = "## Distillation: generation\n\n"
        s += "Each student continues \(first.samples) prompts of \(first.prompt_length) tokens from the validation split by "
        s += "\(first.tokens) tokens, sampled at temperature \(String(format: "%g", first.temperature)). *Teacher NLL*: the "
        s += "teacher's mean negative log-likelihood of those continuation tokens (nats per token, lower is better: what "
        s += "sequence-level and on-policy distillation optimize); *own NLL*: the student's, of the same tokens. *As a draft*: "
        s += "greedy speculative decoding of the teacher with the student drafting K = \(first.draft_tokens) tokens per "
        s += "teacher call, on \(first.draft_prompts) of the prompts.\n\n"
        s += "| student | teacher NLL | own NLL | draft acceptance | tokens per teacher call |\n|---|---:|---:|---:|---:|\n"
        for (name, g) in rows {
            let acceptance = g.acceptance_rate.map { String(format: "%.1f %%", $0 * 100) } ?? "—"
            let perCall = g.tokens_per_target_call.map { String(format: "%.2f", $0) } ?? "—"
            s += String(format: "| %@ | %.4f | %.4f | %@ | %@ |\n", name, g.teacher_nll, g.student_nll, acceptance, perCall)
        }
        if let why = rows.compactMap({ $0.1.draft_skipped }).first { s += "\nNo draft figures: \(why).\n" }
        return s + "\n"
    }
}
