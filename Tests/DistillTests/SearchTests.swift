// SearchTests: successive halving finds a planted optimum, keeps α = 0 alive, and fits its budget; end to end too.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Distill

@Suite struct SearchTests {
    /// EvalResult has no public memberwise init: built from its JSON.
    func eval(_ m: Double, kind: String = "accuracy") -> EvalResult {
        let acc = kind == "accuracy" ? "\"accuracy\": \(m)," : ""
        let loss = kind == "accuracy" ? 1 - m : m
        let json = "{\"metric_kind\": \"\(kind)\", \"split\": \"val\", \"loss\": \(loss), \(acc) \"count\": 1, \"seconds\": 0, \"throughput\": 0}"
        return try! JSONDecoder().decode(EvalResult.self, from: Data(json.utf8))
    }

    @Test func successiveHalvingFindsAPlantedOptimumWithinBudget() throws {
        var cfg = DistillConfig()
        let cands = cfg.candidates
        #expect(cands.count == 21, "α = 0 once, 5 other α × 4 T")
        var used = 0
        var zeroRungs: Set<Int> = []
        let r = try successiveHalving(cands, eta: 2, budget: 1000, metric: .accuracy, done: [], record: { _ in }) { c, steps, rung in
            used += steps
            if c.alpha == 0 { zeroRungs.insert(rung) }
            // Planted: best at α = 0.75, T = 4; longer training scores higher for everyone.
            let m = 0.8 - 0.1 * abs(c.alpha - 0.75) - 0.01 * abs(log2(c.temperature) - 2) + 0.001 * Double(steps) / 100
            return (eval(m), 0)
        }
        #expect(r.winner == Candidate(alpha: 0.75, temperature: 4))
        #expect(used <= 1000 && used == r.steps)
        #expect(zeroRungs == Set(0..<rungSizes(21, eta: 2).count), "α = 0 is trained at every rung")
        cfg.alpha = .fixed(0.5); cfg.temperature = .fixed(2)
        #expect(cfg.candidates == [Candidate(alpha: 0.5, temperature: 2)])
    }

    @Test func alphaZeroWinsWhenDistillationHurts() throws {
        let r = try successiveHalving(DistillConfig().candidates, eta: 3, budget: 2000, metric: .loss, done: [], record: { _ in }) { c, _, _ in
            let l = 1 + c.alpha * c.temperature
            return (eval(l, kind: "loss"), 0)
        }
        #expect(r.winner.alpha == 0)
    }

    /// Noisy training labels and a teacher that knows the clean labelling: distillation (high α) must win.
    @Test func searchOnASyntheticProblemPicksTheUsefulAlpha() throws {
        let w = Synthetic.weights(features: 16, classes: 4, seed: 3)
        let data = Synthetic.task(train: 2048, noise: 0.75, w: w)
        var cfg = DistillConfig()
        cfg.alpha_grid = [0, 0.5, 1]
        cfg.temperature_grid = [1, 4]
        cfg.train.steps = 1600; cfg.train.epochs = 0; cfg.train.batch_size = 32; cfg.train.eval_every = 0
        cfg.train.warmup_steps = 10; cfg.train.lr = 3e-3
        cfg.search_share = 0.5
        cfg.baseline = "scratch"
        let student = Synthetic.mlp(16, [], 4, seed: 5)
        let teacher = Synthetic.oracle(w: w, features: 16, classes: 4)
        let (out, rep) = try distill(student: student, teacher: teacher, config: cfg, data: data,
                                     run: DistillRunOptions(runDir: TestSupport.tempDir("search").path, quiet: true))
        let chosen = rep.details["chosen"]!["alpha"]!.number!
        #expect(chosen >= 0.5, "chose α = \(chosen): \(rep.details["sweep"]!)")
        #expect(rep.metric_after! > rep.details["baseline"]!["val"]!["accuracy"]!.number!, "distilled beats scratch")
        #expect(out.history.last?["stage"]?.string == "distill")
        #expect(student.parameters["layers/0/weight"]!.array == Synthetic.mlp(16, [], 4, seed: 5).parameters["layers/0/weight"]!.array,
                "the input student is not mutated")
        #expect(rep.details["sweep"].map { if case .array(let a) = $0 { return a.count }; return 0 } ?? 0 >= 5)
    }
}
