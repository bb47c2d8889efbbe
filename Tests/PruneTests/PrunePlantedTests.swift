// PrunePlantedTests: heads and neurons planted with zero contribution rank last, and cutting them leaves the logits unchanged.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Prune

@Suite struct PrunePlantedTests {
    static let deadHead = [2, 0, 3]            // per block
    static let deadNeurons: [[Int]] = [[5, 40], [0, 63], [17, 18]]

    /// Zeroes every weight into and out of the planted head (q, k, v rows and biases, c_proj columns) and
    /// neurons (c_fc rows and bias, c_proj columns) of each block.
    static func planted() -> ModelFile {
        let m = Fixture.gpt()
        guard case .gpt(let c) = m.architecture else { fatalError() }
        let A = c.attnWidth, Dh = c.head_dim, C = c.n_embd, F = c.ffn_hidden
        for l in 0..<c.n_layer {
            let k = "transformer/h/\(l)/", P = m.parameters
            let h = deadHead[l]
            for j in (h * Dh)..<((h + 1) * Dh) {
                for part in 0..<3 {
                    for x in 0..<C { P[k + "attn/c_attn/weight"]!.data[(part * A + j) * C + x] = 0 }
                    P[k + "attn/c_attn/bias"]!.data[part * A + j] = 0
                }
                for o in 0..<C { P[k + "attn/c_proj/weight"]!.data[o * A + j] = 0 }
            }
            for n in deadNeurons[l] {
                for x in 0..<C { P[k + "mlp/c_fc/weight"]!.data[n * C + x] = 0 }
                P[k + "mlp/c_fc/bias"]!.data[n] = 0
                for o in 0..<C { P[k + "mlp/c_proj/weight"]!.data[o * F + n] = 0 }
            }
        }
        return m
    }

    /// Teacher and student compute the same function (the cut units add exact zeros), but not in the same order: the
    /// reductions are shorter, so BLAS blocks them differently, and which kernel it picks depends on the CPU. Both are
    /// float32 forwards of one function, each within FloatBounds.forward of it, so they differ by at most twice that,
    /// as a fraction of max|logit|.
    /// GPT fixture, per block: ln_1, c_attn (K 32), q·k (8), p·v (16), c_proj (32), ln_2, c_fc (32), c_proj (64), and
    /// then ln_f and lm_head (32): 3·8 + 2 = 26 reductions of length ≤ 64. MLP fixture: 3 layers, K ≤ 784.
    static let gptBound = 2 * FloatBounds.forward(reductions: 26, length: 64)
    static let mlpBound = 2 * FloatBounds.forward(reductions: 3, length: 784)

    /// The bug this test exists for, cutting a unit that does contribute, moves the logits by far more than the bound:
    /// silencing one live unit of the teacher (here, also zeroing `silence` in `m`) must change them by ≥ 10× it.
    static func expectTeeth(_ m: ModelFile, bound: Double, silence: (ModelFile) -> Void) {
        let before = Fixture.logits(m)
        silence(m)
        let effect = FloatBounds.maxErrorOverScale(Fixture.logits(m), before)
        #expect(effect >= 10 * bound, "cutting a live unit changes the logits by \(effect) of their scale, bound \(bound)")
    }

    @Test(arguments: ["activation", "magnitude", "taylor"])
    func plantedGPTUnitsRankLastAndCuttingThemChangesNothing(_ criterion: String) throws {
        let teacher = Self.planted()
        var cfg = Fixture.quick
        cfg.criterion = criterion
        cfg.heads = "3"
        cfg.ffn = "62"
        let (student, report) = try prune(teacher, config: cfg, data: Fixture.text)
        let d = try Fixture.details(report)
        for l in 0..<3 {
            let dead = d.heads[l][Self.deadHead[l]]
            let alive = d.heads[l].enumerated().filter { $0.offset != Self.deadHead[l] }.map(\.element)
            #expect(dead < alive.min()!, "block \(l): planted head scores \(dead), others \(alive)")
            let deadN = Self.deadNeurons[l].map { d.neurons[l][$0] }
            let aliveN = d.neurons[l].enumerated().filter { !Self.deadNeurons[l].contains($0.offset) }.map(\.element)
            #expect(deadN.max()! < aliveN.min()!, "block \(l): planted neurons \(deadN)")
            #expect(d.kept_gpt!.heads[l] == (0..<4).filter { $0 != Self.deadHead[l] })
            #expect(d.kept_gpt!.neurons[l] == (0..<64).filter { !Self.deadNeurons[l].contains($0) })
        }
        guard case .gpt(let c) = student.architecture else { Issue.record("not a gpt"); return }
        #expect(c.n_head == 3 && c.ffn_hidden == 62)
        let diff = FloatBounds.maxErrorOverScale(Fixture.logits(student), Fixture.logits(teacher))
        #expect(diff <= Self.gptBound, "max |Δlogit| / max|logit| \(diff) > derived bound \(Self.gptBound)")
        // one live head of block 1 (head 1; the planted one is head 0): its c_proj columns zeroed
        guard case .gpt(let tc) = teacher.architecture else { return }
        Self.expectTeeth(teacher, bound: Self.gptBound) { m in
            for o in 0..<tc.n_embd { for j in tc.head_dim..<(2 * tc.head_dim) {
                m.parameters["transformer/h/1/attn/c_proj/weight"]!.data[o * tc.attnWidth + j] = 0
            } }
        }
    }

    @Test(arguments: ["activation", "magnitude", "taylor"])
    func plantedMLPUnitsRankLastAndCuttingThemChangesNothing(_ criterion: String) throws {
        let m = Fixture.mlp(activation: .gelu)   // GELU: no unit of a random ReLU net is accidentally dead too
        let dead: [[Int]] = [[0, 7, 47], [3, 23]]
        let widths = [784, 48, 24, 10]
        for (j, units) in dead.enumerated() {
            let w = m.parameters["layers/\(j)/weight"]!, b = m.parameters["layers/\(j)/bias"]!
            let next = m.parameters["layers/\(j + 1)/weight"]!
            for u in units {
                for x in 0..<widths[j] { w.data[u * widths[j] + x] = 0 }
                b.data[u] = 0
                for o in 0..<widths[j + 2] { next.data[o * widths[j + 1] + u] = 0 }
            }
        }
        var cfg = Fixture.quick
        cfg.criterion = criterion
        cfg.hidden = "45,22"
        let (student, report) = try prune(m, config: cfg, data: Fixture.fashion)
        let d = try Fixture.details(report)
        for (j, units) in dead.enumerated() {
            let deadS = units.map { d.neurons[j][$0] }
            let alive = d.neurons[j].enumerated().filter { !units.contains($0.offset) }.map(\.element)
            #expect(deadS.max()! < alive.min()!, "layer \(j): planted \(deadS)")
            #expect(d.kept_mlp!.hidden[j] == (0..<widths[j + 1]).filter { !units.contains($0) })
        }
        let diff = FloatBounds.maxErrorOverScale(Fixture.logits(student), Fixture.logits(m))
        #expect(diff <= Self.mlpBound, "max |Δlogit| / max|logit| \(diff) > derived bound \(Self.mlpBound)")
        // one live unit of the first hidden layer (unit 1 is not planted): its outgoing weights zeroed
        Self.expectTeeth(m, bound: Self.mlpBound) { m in
            for o in 0..<widths[2] { m.parameters["layers/1/weight"]!.data[o * widths[1] + 1] = 0 }
        }
    }
}
