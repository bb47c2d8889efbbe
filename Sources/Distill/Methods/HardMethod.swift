// HardMethod: hard-label distillation: the teacher's answer replaces the label (its top-1 class; for text, a token
// sampled from the teacher at hard_temperature, seeded), blended with the ground truth by hard_mix.
import CondenseCore
import Foundation

/// L = mean over counted rows of CE(λ·onehot(y) + (1−λ)·onehot(ŷ), softmax(z_s)), λ = hard_mix, ŷ the teacher's
/// label. With hard_mix auto the search picks λ from hard_mix_grid; there is no α or T.
struct HardMethod: DistillMethod {
    func candidates(_ config: DistillConfig) -> [Candidate] {
        guard config.hard_mix == .auto else { return [Candidate(alpha: 0, temperature: 1)] }
        return config.hard_mix_grid.map { Candidate(alpha: 0, temperature: 1, hard_mix: $0) }
    }
    func searches(_ config: DistillConfig) -> Bool { config.hard_mix == .auto }

    func makeRun(_ s: MethodSetup, candidate: Candidate) throws -> MethodRun {
        let (aug, _) = try augmentedBatches(s)
        let base: BatchSource = try aug ?? samplerBatches(s)
        let sampled: Double
        if case .text = s.data { sampled = s.config.hard_temperature } else { sampled = 0 }
        let batches = HardLabelBatches(base, teacher: s.teacher, temperature: sampled, seed: s.config.seed)
        return MethodRun(objective: HardLabelObjective(batches: batches, mix: candidate.hard_mix ?? s.config.hard_mix.value ?? 0), batches: batches, extra: nil)
    }
}

/// The base source's batches, with the teacher's label of every row (`hard`) drawn after each batch. The draw's
/// uniforms come from RNG(seed, step, micro-batch), so a resumed run draws the same labels.
final class HardLabelBatches: WrappingBatchSource {
    let base: BatchSource
    let teacher: Teacher
    /// 0: the top-1 class or token; > 0: a token sampled from softmax(z/τ).
    let temperature: Double
    let seed: UInt64
    private(set) var hard: [Int32] = []

    init(_ base: BatchSource, teacher: Teacher, temperature: Double, seed: UInt64) {
        self.base = base; self.teacher = teacher; self.temperature = temperature; self.seed = seed
    }

    func next(step: Int, micro: Int) throws {
        try base.next(step: step, micro: micro)
        var rng = RNG(seed: seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(micro) &* 0xC2B2_AE3D_27D4_EB4F) ^ 0x4A2D_1ABE)
        base.withInput { input in
            let rows = input.rows, cols = teacher.outputs
            let z = teacher.logits(for: input, temperature: 1)
            if hard.count != rows { hard = [Int32](repeating: 0, count: rows) }
            for r in 0..<rows {
                let u = Double(rng.uniform())
                hard[r] = teacherLabel(z + r * cols, cols: cols, temperature: temperature, u: u)
            }
        }
    }
    var wrapped: BatchSource { base }
}

/// The teacher's label of one row of logits z (cols): with τ = 0 the first index of the largest logit; otherwise the
/// index j whose cumulative interval of softmax(z/τ) (in float64, in index order) holds u ∈ [0, 1).
func teacherLabel(_ z: UnsafePointer<Float>, cols: Int, temperature: Double, u: Double) -> Int32 {
    var best = 0
    for j in 1..<cols where z[j] > z[best] { best = j }
    guard temperature > 0 else { return Int32(best) }
    let m = Double(z[best])
    var sum = 0.0
    for j in 0..<cols { sum += Foundation.exp((Double(z[j]) - m) / temperature) }
    var acc = 0.0
    let target = u * sum
    for j in 0..<cols {
        acc += Foundation.exp((Double(z[j]) - m) / temperature)
        if target < acc { return Int32(j) }
    }
    return Int32(cols - 1)
}

/// Cross-entropy against the blend λ·onehot(y) + (1−λ)·onehot(ŷ), through DistillLoss's label-mix path at α = 0.
final class HardLabelObjective: Objective {
    let batches: HardLabelBatches
    let mix: Double
    private var lambda: [Float] = []
    private(set) var last = DistillLossValue(loss: 0, divergence: 0, crossEntropy: 0)

    init(batches: HardLabelBatches, mix: Double) { self.batches = batches; self.mix = mix }

    func lossAndGradient(logits: UnsafePointer<Float>, dlogits: UnsafeMutablePointer<Float>,
                         targets: UnsafePointer<Int32>, input: NetworkInput, rows: Int, cols: Int) -> Double {
        if lambda.count != rows { lambda = [Float](repeating: Float(mix), count: rows) }
        last = batches.hard.withUnsafeBufferPointer { h in
            lambda.withUnsafeBufferPointer { l in
                Self.loss(student: logits, targets: targets, hard: h.baseAddress!, lambda: l.baseAddress!, rows: rows,
                          cols: cols, dlogits: dlogits)
            }
        }
        return last.loss
    }

    /// student (rows, cols) logits; targets, hard labels and λ (rows); dlogits (rows, cols) overwritten with the
    /// gradient of the mean over rows with a target ≥ 0 of CE(λ·onehot(y) + (1−λ)·onehot(ŷ), softmax(z_s)).
    static func loss(student: UnsafePointer<Float>, targets: UnsafePointer<Int32>, hard: UnsafePointer<Int32>,
                     lambda: UnsafePointer<Float>, rows: Int, cols: Int, dlogits: UnsafeMutablePointer<Float>) -> DistillLossValue {
        DistillLoss(alpha: 0, temperature: 1).compute(student: student, teacher: student, targets: targets, rows: rows,
                                                      cols: cols, dlogits: dlogits, mix: (hard, lambda))
    }
}
