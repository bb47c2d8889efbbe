// PrunePlantedTests: heads and neurons planted with zero contribution rank last, and cutting them leaves the logits unchanged.
import CondenseCore
import Foundation
import Testing
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
        let diff = Fixture.maxAbsDiff(Fixture.logits(student), Fixture.logits(teacher))
        #expect(diff <= 1e-6, "max |Δlogit| \(diff)")
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
        let diff = Fixture.maxAbsDiff(Fixture.logits(student), Fixture.logits(m))
        #expect(diff <= 1e-6, "max |Δlogit| \(diff)")
    }
}
