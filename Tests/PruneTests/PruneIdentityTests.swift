// PruneIdentityTests: pruning nothing returns the teacher exactly (bit-identical logits), without touching the input.
import CondenseCore
import Foundation
import Testing
@testable import Prune

@Suite struct PruneIdentityTests {
    @Test(arguments: ["activation", "magnitude", "taylor"])
    func pruningNothingIsTheIdentityForGPT(_ criterion: String) throws {
        let teacher = Fixture.gpt()
        let before = Fixture.logits(teacher)
        var cfg = Fixture.quick
        cfg.criterion = criterion
        let (student, report) = try prune(teacher, config: cfg, data: Fixture.text)
        #expect(student.architecture == teacher.architecture)
        #expect(Fixture.logits(student) == before)            // bit-identical
        #expect(Fixture.logits(teacher) == before)            // the input is not modified
        #expect(report.params_after == report.params_before)
        #expect(report.metric_before == report.metric_after)
    }

    @Test func pruningNothingIsTheIdentityForMLP() throws {
        let teacher = Fixture.mlp()
        let before = Fixture.logits(teacher)
        let (student, _) = try prune(teacher, config: Fixture.quick, data: Fixture.fashion)
        #expect(student.architecture == teacher.architecture)
        #expect(Fixture.logits(student) == before)
        for (name, t) in student.parameters { #expect(t !== teacher.parameters[name]!, "\(name) shares storage with the input") }
    }

    @Test func fullTargetsAreTheIdentityToo() throws {
        let teacher = Fixture.gpt(bias: false)
        var cfg = Fixture.quick
        cfg.ffn = "64"; cfg.heads = "100%"; cfg.embd = "32"; cfg.layers = "3"
        let (student, _) = try prune(teacher, config: cfg, data: Fixture.text)
        #expect(Fixture.logits(student) == Fixture.logits(teacher))
    }
}
