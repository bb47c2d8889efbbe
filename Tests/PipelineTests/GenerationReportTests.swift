// GenerationReportTests: a recipe's distill stage on text reports the student's generation metrics, and report.md
// shows them in its distillation section.
import CondenseCore
import Distill
import Foundation
@testable import Pipeline
import Testing
import TestSupport

@Suite struct GenerationReportTests {
    @Test func theRunReportShowsTheDistilledStudentsGeneration() throws {
        let dir = TestSupport.tempDir("genreport")
        let teacher = try SpeculativeReportTests.gpt(dir, "t.h5", layers: 2, seed: 1)
        let student = try SpeculativeReportTests.gpt(dir, "s.h5", layers: 1, seed: 2)
        let out = dir.appendingPathComponent("out").path
        let yaml = """
        teacher: {path: \(teacher)}
        student: \(student)
        data: {path: \(try SpeculativeReportTests.text(dir))}
        output: \(out)
        stages:
          - distill:
              alpha: 1
              temperature: 1
              generation_samples: 8
              generation_tokens: 10
              train: {steps: 4, epochs: 0, batch_size: 4, warmup_steps: 1, eval_every: 0, eval_batches: 2, checkpoint_every: 0}
        report: {latency: false, generate_tokens: 0, speculative: false, eval_batches: 2, plots: false}
        """
        let file = dir.appendingPathComponent("r.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let summary = try runRecipe(try Recipe.load(path: file.path), options: RunOptions(quiet: true))
        let d = try DistillDetails(report: try #require(summary.report.distill))
        let g = try #require(d.generation)
        #expect(g.samples == 8 && g.tokens == 10 && g.prompt_length == 16 && g.acceptance_rate != nil, "\(g)")
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(md.contains("## Distillation: generation") && md.contains("| distilled student | "), "\(md)")
        #expect(md.contains(String(format: "%.4f", g.teacher_nll)), "the teacher's NLL is in the table")
    }
}
