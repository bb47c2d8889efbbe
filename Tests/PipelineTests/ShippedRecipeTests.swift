// ShippedRecipeTests: the on-policy and ensemble recipes of recipes/ parse and pass the Pipeline's validation (no
// training): their teachers are missing here, so each member's training config is what gets checked.
import CondenseCore
import Distill
import Foundation
@testable import Pipeline
import Testing
import TestSupport

@Suite struct ShippedRecipeTests {
    /// The recipe's text with its relative paths made absolute: recipes/ under the package root, models/ in an empty
    /// folder (so every teacher is missing and is validated through its config).
    func load(_ name: String) throws -> Recipe {
        let root = TestSupport.packageRoot.path, models = TestSupport.tempDir("shipped-\(name)").path
        let file = root + "/recipes/\(name).yaml"
        let text = try String(contentsOfFile: file, encoding: .utf8)
            .replacingOccurrences(of: " recipes/", with: " \(root)/recipes/")
            .replacingOccurrences(of: " models/", with: " \(models)/")
        return try Recipe.load(yaml: text, file: file)
    }

    @Test func theOnPolicyRecipeValidates() throws {
        let r = try load("shakespeare-onpolicy")
        #expect(r.stages.map(\.kind) == [.prune, .distill, .quantize])
        guard case .distill(let c) = r.stages[1] else { Issue.record("no distill stage"); return }
        #expect(c.compare == ["soft", "hard", "sequence", "on-policy", "finetune", "scratch"] && c.temperature_grid == [1, 2])
        let op = try c.compareConfig("on-policy")
        #expect(op.method == .onPolicy && op.lambda == 0.5 && op.gkd_beta == 0.5 && op.temperature == .auto)
        #expect(try c.compareConfig("finetune").alpha == .fixed(0), "finetune is the task loss alone")
        #expect(c.generation_samples == 64, "the distill stage measures the student's generation by default")
        #expect(r.report.speculative, "the report has the draft table")
    }

    @Test func theEnsembleRecipeValidates() throws {
        let r = try load("fashion-ensemble")
        #expect(r.teachers.count == 3 && r.teachers.allSatisfy { $0.config.hasSuffix(".yaml") && $0.weight == 1 })
        #expect(Set(r.teachers.map(\.config)).count == 3, "three training configs (three seeds)")
        guard case .distill(let c) = r.stages[1] else { Issue.record("no distill stage"); return }
        #expect(c.teacher_weights == [1, 1, 1], "equal weights reach the distill stage")
        let seeds = try r.teachers.map { try TrainConfig.load(path: $0.config).seed }
        #expect(Set(seeds).count == 3, "the members differ by seed: \(seeds)")
    }
}
