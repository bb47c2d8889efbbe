// AccumulationTests: two accumulated micro-batches of B give the same update as one batch of 2B.
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite struct AccumulationTests {
    @Test func accumulatedStepEqualsTheFullBatchStep() throws {
        let data = try TrainerTests.syntheticTask()
        func oneStep(batch: Int, accum: Int) throws -> [Float] {
            let net = makeNetwork(.mlp(MLPConfig(inputs: 6, hidden: [16], classes: 3)), seed: 9)
            let opts = TrainerTests.options { $0.batch_size = batch; $0.grad_accum = accum; $0.steps = 1; $0.eval_every = 0; $0.checkpoint_every = 0 }
            let t = Trainer(net: net, data: data, options: opts, seed: 5, runDir: TestSupport.tempDir("accum").path, config: .null)
            t.quiet = true
            _ = try t.run(resume: false)
            return net.params.values.flatMap { $0.array }
        }
        // The sampler's first 40 examples are the same either way (one permutation per epoch and seed).
        let full = try oneStep(batch: 40, accum: 1), accumulated = try oneStep(batch: 20, accum: 2)
        // The two gradients differ only by summation order (one 40-row reduction against two 20-row ones plus a sum):
        // ≤ 2·γ_40·Σ|terms|, a relative ~5e-6 at worst. One AdamW step from zero moments moves each weight by
        // lr·g/(|g| + ε) ≈ ±lr whatever |g|, so that rounding changes the step by ≲ lr·ε/|g|·5e-6: far below 1e-6
        // for any |g| ≫ ε. Another batch (below) moves weights by up to 2·lr.
        let worst = zip(full, accumulated).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-6, "largest weight difference \(worst)")
        let other = try oneStep(batch: 20, accum: 1)
        #expect(zip(full, other).map { abs($0 - $1) }.max()! > 1e-5, "the comparison must be able to fail")
    }
}
