// PruneIdentityTests: pruning nothing returns the teacher exactly (bit-identical weights), without touching the input.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Prune

// Why weights, not logits, are compared bit for bit: OpenBLAS's result for one sgemm depends on how many threads it
// splits the call over (on AVX2 kernels for most shapes above its threading threshold, m·n·k > 262,144), and that
// count is process-wide: while another test's attention runs its heads in parallel it is 1, otherwise 2. Two forwards
// of identical weights in one test process can therefore differ by two summation orders' rounding. The exact claim
// is about the weights; the logits and the metric are held to the two-orders bound.
@Suite struct PruneIdentityTests {
    /// Both forwards of the same weights are float32 forwards of one function (FloatBounds.forward, twice), as a
    /// fraction of max|logit|: 3 blocks of the GPT fixture, 26 reductions of length ≤ 64 (PrunePlantedTests).
    static let gptBound = 2 * FloatBounds.forward(reductions: FloatBounds.gptReductions(layers: 3), length: 64)

    static func expectSameWeights(_ a: ModelFile, _ b: ModelFile, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Set(a.parameters.keys) == Set(b.parameters.keys), sourceLocation: sourceLocation)
        for (name, t) in a.parameters { #expect(b.parameters[name]?.array == t.array, "\(name)", sourceLocation: sourceLocation) }
    }

    @Test(arguments: ["activation", "magnitude", "taylor"])
    func pruningNothingIsTheIdentityForGPT(_ criterion: String) throws {
        let teacher = Fixture.gpt()
        let original = teacher.parameters.mapValues(\.array)
        let before = Fixture.logits(teacher)
        var cfg = Fixture.quick
        cfg.criterion = criterion
        let (student, report) = try prune(teacher, config: cfg, data: Fixture.text)
        #expect(student.architecture == teacher.architecture)
        Self.expectSameWeights(student, teacher)                                // bit-identical
        #expect(teacher.parameters.mapValues(\.array) == original)             // the input is not modified
        let diff = FloatBounds.maxErrorOverScale(Fixture.logits(student), before)
        #expect(diff <= Self.gptBound, "max |Δlogit| / max|logit| \(diff) > derived bound \(Self.gptBound)")
        #expect(report.params_after == report.params_before)
        // The metric is the mean cross-entropy, which moves by at most 2·max|Δlogit| (its gradient p − onehot has
        // ℓ1 norm ≤ 2). max|logit| on any input is at most √C·max_v ‖wte_v‖ (ln_f's output has norm ≤ √C with the
        // fixture's unit LayerNorm weights and zero bias; the head is tied): Cauchy–Schwarz, input-independent.
        guard case .gpt(let c) = teacher.architecture, let wte = teacher.parameters["transformer/wte/weight"] else {
            Issue.record("not a gpt"); return
        }
        let rowNorm = (0..<c.vocab_size).map { v in (0..<c.n_embd).reduce(0.0) { $0 + Double(wte[v * c.n_embd + $1] * wte[v * c.n_embd + $1]) }.squareRoot() }
        let logitScale = Double(c.n_embd).squareRoot() * rowNorm.max()!
        let before_ = try #require(report.metric_before), after = try #require(report.metric_after)
        #expect(abs(before_ - after) <= 2 * Self.gptBound * logitScale, "metric \(before_) → \(after)")
    }

    @Test func pruningNothingIsTheIdentityForMLP() throws {
        let teacher = Fixture.mlp()
        let before = Fixture.logits(teacher)
        let (student, _) = try prune(teacher, config: Fixture.quick, data: Fixture.fashion)
        #expect(student.architecture == teacher.architecture)
        Self.expectSameWeights(student, teacher)
        // 5 rows: below OpenBLAS's threading threshold (5·48·784 < 262,144), so one order whatever the thread count
        #expect(Fixture.logits(student) == before)
        for (name, t) in student.parameters { #expect(t !== teacher.parameters[name]!, "\(name) shares storage with the input") }
    }

    @Test func fullTargetsAreTheIdentityToo() throws {
        let teacher = Fixture.gpt(bias: false)
        var cfg = Fixture.quick
        cfg.ffn = "64"; cfg.heads = "100%"; cfg.embd = "32"; cfg.layers = "3"
        let (student, _) = try prune(teacher, config: cfg, data: Fixture.text)
        Self.expectSameWeights(student, teacher)
        let diff = FloatBounds.maxErrorOverScale(Fixture.logits(student), Fixture.logits(teacher))
        #expect(diff <= Self.gptBound, "max |Δlogit| / max|logit| \(diff) > derived bound \(Self.gptBound)")
    }
}
