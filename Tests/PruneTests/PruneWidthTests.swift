// PruneWidthTests: width cuts give the exact shapes and history indices; budgets pick a scored candidate; reports render.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Prune

@Suite struct PruneWidthTests {
    @Test func gptWidthCutsEveryTensorAndRecordsKeptIndices() throws {
        let teacher = Fixture.gpt()
        var cfg = Fixture.quick
        cfg.ffn = "50%"; cfg.heads = "2"; cfg.embd = "24"; cfg.drop_layers = [1]
        let (student, report) = try prune(teacher, config: cfg, data: Fixture.text)
        guard case .gpt(let c) = student.architecture else { Issue.record("not gpt"); return }
        #expect(c.n_layer == 2 && c.n_head == 2 && c.head_dim == 8 && c.ffn_hidden == 32 && c.n_embd == 24)
        try student.validateParameters(file: "student")                // every shape matches the new architecture
        #expect(student.parameters["transformer/wpe/weight"]!.shape == [16, 24])
        #expect(student.parameters["transformer/h/1/attn/c_attn/weight"]!.shape == [48, 24])
        let rec = student.history.last!
        #expect(rec["stage"]?.string == "prune")
        let d = try Fixture.details(report)
        let kept = d.kept_gpt!
        #expect(kept.layers == [0, 2])
        #expect(kept.channels.count == 24 && kept.heads.allSatisfy { $0.count == 2 } && kept.neurons.allSatisfy { $0.count == 32 })
        #expect(try JSONValue(encoding: kept) == rec["config"]?["kept"])
        // the kept channels are exactly the wte columns the student holds
        let wte = teacher.parameters["transformer/wte/weight"]!, swte = student.parameters["transformer/wte/weight"]!
        for (j, ch) in kept.channels.enumerated() { #expect(swte.data[5 * 24 + j] == wte.data[5 * 32 + ch]) }
        #expect(report.params_after == student.parameterCount && report.params_after < report.params_before)
        #expect(pruneMarkdown(report).contains("## Heads"))
    }

    @Test func gptBudgetSearchScoresCandidatesAndMeetsTheBudget() throws {
        let teacher = Fixture.gpt()
        var cfg = Fixture.quick
        cfg.target_params = "50%"
        let (student, report) = try prune(teacher, config: cfg, data: Fixture.text)
        let d = try Fixture.details(report)
        #expect(!d.candidates.isEmpty && d.candidates.count <= 6)
        #expect(d.candidates.filter(\.chosen).count == 1)
        let chosen = d.candidates.first(where: \.chosen)!
        #expect(chosen.params == student.parameterCount)
        #expect(student.parameterCount <= teacher.parameterCount / 2)
        #expect(chosen.val_loss == d.candidates.map(\.val_loss).min())
        #expect(pruneMarkdown(report).contains("## Budget candidates"))
    }

    @Test func mlpBudgetSearch() throws {
        let teacher = Fixture.mlp()
        var cfg = Fixture.quick
        cfg.target_params = "10%"
        let (student, report) = try prune(teacher, config: cfg, data: Fixture.fashion)
        #expect(student.parameterCount <= teacher.parameterCount / 10)
        #expect(student.parameterCount >= teacher.parameterCount / 20)
        let d = try Fixture.details(report)
        #expect(d.candidates.count >= 2)
        #expect(report.metric_kind == .accuracy)
    }

    @Test func cliWritesASmallerFileAndReports() throws {
        let dir = TestSupport.tempDir("prune-cli")
        let teacher = dir.appendingPathComponent("t.h5").path, student = dir.appendingPathComponent("s.h5").path
        try Fixture.mlp().write(to: teacher)
        let rep = dir.appendingPathComponent("r.json").path
        let r = try TestSupport.condense(["prune", teacher, "-o", student, "--hidden", "25%", "--report", rep,
                                          "--calibration-batches", "2", "--val-batches", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONDecoder().decode(StageReport.self, from: Data(contentsOf: URL(fileURLWithPath: rep)))
        #expect(report.bytes_after! < report.bytes_before! / 2)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r.md").path))
        let i = try TestSupport.condense(["inspect", student])
        #expect(i.stdout.contains("(12, 784)"), "\(i.stdout)")
    }
}
