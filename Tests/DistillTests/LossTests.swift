// LossTests: the distillation loss and gradient against tools/distill_reference.py, and its exact special cases.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Distill

// Tolerances. These losses are pure Swift over 7 classes (no BLAS: the same order on every CPU; glibc's exp/log are
// within 1 ulp on every x86-64 variant), against float64 numpy. Logits are N(0, 3²), so |z/T| ≤ ~20 at T = 0.5.
// Each float32 log-softmax entry is within FloatBounds.logSumExp + u·|z/T − logZ| ≈ (γ_7 + 8u + 2u·log 7) + 2u·|z|/T
// ≲ 60u ≈ 4e-6 of exact, and a probability within the same relative error. The divergences are p-weighted sums
// of such entries (weights summing to ≤ 2; logZ's error is common to every class and enters once), scaled by T²,
// with T²·KL growing like T² too, so relative to max(1, |loss|) the error stays ≲ 2·60u·… ≈ 2e-6 at every T; the
// gradient T·(p_s − p_t)/count is within T·Σ|p|·rel/count ≲ 2e-6 likewise. The components (divergence and CE,
// reported separately) are compared at 1e-5, the same bound with 5× room for the T² factor at T = 8. Bugs this
// catches (a missing T², a reversed KL, α applied to the wrong term, a wrong JSD mixture) are O(1) relative.
@Suite struct LossTests {
    static let rows = 6, cols = 7

    /// Runs the Swift loss and the numpy reference on the same logits; returns the largest differences.
    func compare(alpha: Double, t: Double, div: Divergence, beta: Double = 0.5, seed: UInt64) throws -> (Double, Double) {
        let (r, c) = (Self.rows, Self.cols)
        let zs = Synthetic.randoms(r * c, seed: seed), zt = Synthetic.randoms(r * c, seed: seed + 100)
        var y = (0..<r).map { Int32($0 % c) }
        y[2] = -1  // an ignored (padding) row
        var d = [Float](repeating: .nan, count: r * c)
        let v = DistillLoss(alpha: alpha, temperature: t, divergence: div, beta: beta)
            .compute(student: zs, teacher: zt, targets: y, rows: r, cols: c, dlogits: &d)
        let dir = TestSupport.tempDir("distill-ref")
        let bin = dir.appendingPathComponent("in.bin")
        let all = zs + zt + y.map { Float($0) }
        try all.withUnsafeBytes { try Data($0).write(to: bin) }
        let out = try TestSupport.tool("distill_reference.py", [bin.path, "\(r)", "\(c)", "\(alpha)", "\(t)", div.rawValue, "\(beta)"])
        let ref = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        let refLoss = (ref["loss"] as! NSNumber).doubleValue
        let refGrad = (ref["grad"] as! [NSNumber]).map(\.doubleValue)
        #expect(abs((ref["divergence"] as! NSNumber).doubleValue - v.divergence) <= 1e-5 * max(1, abs(v.divergence)) || alpha == 0)
        #expect(abs((ref["ce"] as! NSNumber).doubleValue - v.crossEntropy) <= 1e-5 * max(1, abs(v.crossEntropy)))
        let gradErr = zip(d, refGrad).map { abs(Double($0) - $1) }.max()!
        for j in 0..<c { #expect(d[2 * c + j] == 0, "an ignored row gets no gradient") }
        return (abs(refLoss - v.loss) / max(1, abs(refLoss)), gradErr)
    }

    @Test(arguments: Divergence.allCases)
    func lossAndGradientMatchTheNumpyReference(div: Divergence) throws {
        for (i, t) in [0.5, 1, 2, 4, 8].enumerated() {
            for alpha in [1.0, 0.7] {
                let (lossErr, gradErr) = try compare(alpha: alpha, t: t, div: div, beta: div == .jsd ? 0.3 : 0.5, seed: UInt64(10 * i + 1))
                #expect(lossErr <= 2e-6, "\(div) T=\(t) α=\(alpha): relative loss error \(lossErr)")
                #expect(gradErr <= 2e-6, "\(div) T=\(t) α=\(alpha): largest gradient error \(gradErr)")
            }
        }
    }

    @Test func alphaZeroIsExactlyTheTaskLoss() {
        let (r, c) = (Self.rows, Self.cols)
        let zs = Synthetic.randoms(r * c, seed: 5), zt = Synthetic.randoms(r * c, seed: 6)
        var y = (0..<r).map { Int32($0 % c) }
        y[1] = -1
        var d = [Float](repeating: 0, count: r * c), ref = d
        let v = DistillLoss(alpha: 0, temperature: 4).compute(student: zs, teacher: zt, targets: y, rows: r, cols: c, dlogits: &d)
        let ce = CrossEntropyObjective().lossAndGradient(logits: zs, dlogits: &ref, targets: y, input: .features(zs, batch: r), rows: r, cols: c)
        #expect(v.loss == ce)
        #expect(d == ref)
    }

    @Test(arguments: Divergence.allCases)
    func selfDistillationAtAlphaOneIsZero(div: Divergence) {
        let (r, c) = (Self.rows, Self.cols)
        let z = Synthetic.randoms(r * c, seed: 9)
        let y = (0..<r).map { Int32($0 % c) }
        for t in [1.0, 2, 8] {
            var d = [Float](repeating: .nan, count: r * c)
            let v = DistillLoss(alpha: 1, temperature: t, divergence: div).compute(student: z, teacher: z, targets: y, rows: r, cols: c, dlogits: &d)
            // Student = teacher: both sides are the same float32 operations on the same inputs, so log p_s − log p_t,
            // p_s − p_t and a JSD mixture's (p + p)/2 = p are exact and every term is exactly 0, on any CPU. 1e-6 is
            // only a margin: any real mismatch is O(1) (the logits are N(0, 3²)).
            #expect(abs(v.loss) <= 1e-6, "\(div) T=\(t): loss \(v.loss)")
            #expect(d.allSatisfy { abs($0) <= 1e-6 }, "\(div) T=\(t): largest gradient \(d.map(abs).max()!)")
        }
    }

    /// A whole training run with α = 0 (teacher present) follows the task-loss run bit for bit.
    @Test func alphaZeroTrainingStepsAreTaskLossSteps() throws {
        let w = Synthetic.weights(features: 16, classes: 4, seed: 3)
        let data = Synthetic.task(w: w)
        let teacher = makeNetwork(Synthetic.oracle(w: w, features: 16, classes: 4))
        var o = TrainingOptions()
        o.steps = 20; o.batch_size = 32; o.eval_every = 0; o.checkpoint_every = 0; o.warmup_steps = 2
        func run(_ objective: Objective?) throws -> [Float] {
            let net = makeNetwork(.mlp(MLPConfig(inputs: 16, hidden: [8], classes: 4, dropout: 0.1)), seed: 4)
            let trainer = Trainer(net: net, data: data, options: o, seed: 1, runDir: TestSupport.tempDir("a0").path, config: .null)
            if let objective { trainer.objective = objective }
            trainer.quiet = true
            _ = try trainer.run(resume: false)
            return net.params.values.flatMap(\.array)
        }
        let plain = try run(nil)
        let distilled = try run(DistillObjective(loss: DistillLoss(alpha: 0, temperature: 4), teacher: OnlineTeacher(net: teacher)))
        #expect(plain == distilled)
    }
}
