// Fixture+Sensitivity: the measured sensitivity of a whole training run's final weights to a relative perturbation
// of every gradient term at every step, which turns the per-step reduction-order bound into a bound after many steps.
import CondenseCore
import Foundation
import TestSupport

/// The bound on |w(2 ranks) − w(1 process)| after T steps of the linear fixture (`linearConfig`, batch B = 32).
///
/// Per step. Both runs hold w_t; their reduced gradients differ per element by |e_kj| ≤ ρ·Σ_r|c_rk·x_rj|/B, where
/// ρ = 2γ_B + 2δz: the two summation orders of the B terms (one process: B terms in sgemm; two ranks: B/2 each, then
/// one addition; dividing by B or by B/2 and halving is exact, B a power of two), and the logits' own rounding:
/// a shard's sgemm may split the (F + 1)-term dots differently, by ≤ δz (`OneStepBound.logitBound`, here the largest
/// over the trajectory), and the softmax turns that into a relative change of each c = p − y of ≤ 2δz (for k ≠ y,
/// |Δp_k| ≤ 2p_k·δz = 2|c_k|·δz; for y, |Δp_y| ≤ 2p_y(1 − p_y)·δz ≤ 2|c_y|·δz). The all-reduce itself adds nothing
/// for two ranks (a + b = b + a exactly); the difference is made inside each rank's sgemm, which is why the sums cannot
/// be made bit-identical by ordering the reduction (that would need one process to sum its rows in shards too).
///
/// Many steps. To first order the final weights respond linearly to the per-step gradient errors, w_T − w_T' =
/// Σ_t L_t·e_t, and nothing bounds the operators L_t (AdamW's normalisation amplifies tiny gradients) except a
/// measurement: one process reruns with every term c_rk·x_rj multiplied by (1 + δ·s_rk) (s = ±1, seeded, fresh every
/// step), a perturbation of the same form as e whose elements have size δ·(Σ_r (c_rk·x_rj)²)^½ ≥ δ·Σ_r|c_rk·x_rj|/√B
/// (Cauchy–Schwarz), so the measured response R = max|Δw| to it, scaled by ρ·√B/δ, covers errors of size ρ·Σ|terms|:
///   max|w(2 ranks) − w(1 process)| ≤ ρ·√B·R/δ.
/// Linearity is checked, not assumed: δ/4 must give R/4 within a factor 2.
enum Sensitivity {
    /// δ = 2^-14: far above float32 rounding (2^-24), small enough that the response stays linear (checked).
    static let delta: Float = 0x1p-14

    /// The final weights of an in-process run of `config` with every dlogit scaled by 1 ± delta, and the largest δz
    /// over the trajectory's weights.
    static func run(config path: String, runDir: String, delta: Float) throws -> (weights: [String: [Float]], dz: Double) {
        let config = try TrainConfig.load(path: path)
        let data = try TaskData.load(config.data.spec, fit: DataFit(family: "mlp", model: path))
        let arch = try config.architecture(features: data.features, classes: data.classes, vocabulary: nil, file: path)
        let net = makeNetwork(arch, seed: config.seed)
        let trainer = Trainer(net: net, data: data, options: config.train, seed: config.seed, runDir: runDir, config: .null)
        trainer.quiet = true
        trainer.objective = Perturbed(delta: delta)
        try trainer.start(resume: false)
        var dz = 0.0
        func track() {
            let w = net.params["layers/0/weight"], b = net.params["layers/0/bias"]
            dz = max(dz, OneStepBound.logitBound(w: Array(UnsafeBufferPointer(start: w.data, count: w.count)),
                                                 b: Array(UnsafeBufferPointer(start: b.data, count: b.count)),
                                                 inputs: Fixture.inputs, lr: 0))
        }
        track()
        while !trainer.isFinished { try trainer.step(); track() }
        var out: [String: [Float]] = [:]
        for n in Fixture.names { let t = net.params[n]; out[n] = Array(UnsafeBufferPointer(start: t.data, count: t.count)) }
        return (out, dz)
    }

    static func maxDiff(_ a: [String: [Float]], _ b: [String: [Float]]) -> Double {
        Fixture.names.map { n in zip(a[n]!, b[n]!).map { abs(Double($0) - Double($1)) }.max() ?? 0 }.max() ?? 0
    }

    /// Cross-entropy with each dlogit multiplied by 1 + δ·s, s = ±1 from a seeded stream.
    final class Perturbed: Objective {
        let delta: Float
        let base = CrossEntropyObjective()
        var rng = SplitMix64(seed: 5)
        init(delta: Float) { self.delta = delta }
        func lossAndGradient(logits: UnsafePointer<Float>, dlogits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                             input: NetworkInput, rows: Int, cols: Int) -> Double {
            let l = base.lossAndGradient(logits: logits, dlogits: dlogits, targets: targets, input: input, rows: rows, cols: cols)
            if delta != 0 { for i in 0..<(rows * cols) { dlogits[i] *= rng.next() & 1 == 0 ? 1 + delta : 1 - delta } }
            return l
        }
    }
}
