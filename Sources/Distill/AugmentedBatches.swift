// AugmentedBatches: the transfer set beyond the training set: a BatchSource that shifts and mixes up the sampler's
// image batches in place.
import CondenseCore
import Foundation

/// The sampler's batches, each image batch rewritten: random ±k px shifts, then mixup with probability p. Randomness
/// is derived from (seed, step, micro-batch), so a resumed run sees the same augmented batches. The teacher labels
/// the augmented input on the fly (the objective runs it on the same input).
final class AugmentedBatches: WrappingBatchSource {
    let base: TrainBatches
    let seed: UInt64
    let shift: Int
    let mixupProb: Double
    /// Whether the current batch was mixed, and with what: row r = λ_r·x_r + (1−λ_r)·x_partner[r].
    private(set) var mixed = false
    var mixTargets: [Int32] = []
    var mixLambda: [Float] = []
    private var scratch: [Float] = []

    init(_ base: TrainBatches, seed: UInt64, shift: Int, mixupProb: Double) {
        self.base = base; self.seed = seed; self.shift = shift; self.mixupProb = mixupProb
    }

    func next(step: Int, micro: Int) throws {
        try base.next()
        apply(base, step: step, micro: micro)
    }
    var wrapped: BatchSource { base }

    /// x (B, F) with F = side², targets (B).
    func apply(_ batches: TrainBatches, step: Int, micro: Int) {
        let b = batches.batchSize, f = batches.x.shape[1], x = batches.x.data
        var rng = RNG(seed: seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(micro) &* 0xC2B2_AE3D_27D4_EB4F) ^ 0xA06_5EED)
        let side = Int(Double(f).squareRoot())
        if shift > 0 && side * side == f {
            if scratch.count < f { scratch = [Float](repeating: 0, count: f) }
            for r in 0..<b {
                let dx = rng.below(2 * shift + 1) - shift, dy = rng.below(2 * shift + 1) - shift
                if dx == 0 && dy == 0 { continue }
                let row = x + r * f
                for i in 0..<f { scratch[i] = row[i] }
                // out[y][x] = in[y − dy][x − dx], zero outside the image
                for yy in 0..<side {
                    let sy = yy - dy
                    for xx in 0..<side {
                        let sx = xx - dx
                        row[yy * side + xx] = (sy >= 0 && sy < side && sx >= 0 && sx < side) ? scratch[sy * side + sx] : 0
                    }
                }
            }
        }
        mixed = Double(rng.uniform()) < mixupProb
        guard mixed else { return }
        if mixTargets.count != b { mixTargets = [Int32](repeating: 0, count: b); mixLambda = [Float](repeating: 1, count: b) }
        var perm = Array(0..<b)
        rng.shuffle(&perm)
        let copy = Array(UnsafeBufferPointer(start: x, count: b * f))
        for r in 0..<b {
            let lam = rng.uniform(), p = perm[r]
            mixLambda[r] = lam
            mixTargets[r] = batches.targets[p]
            let row = x + r * f
            for i in 0..<f { row[i] = lam * copy[r * f + i] + (1 - lam) * copy[p * f + i] }
        }
    }
}
