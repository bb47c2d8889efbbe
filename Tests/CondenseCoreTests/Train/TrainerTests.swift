// TrainerTests: AdamW and the schedule against hand computations, the NaN guard, and learning on a tiny task.
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite struct TrainerTests {
    /// A tiny synthetic classification task: class = argmax of the first 3 features.
    static func syntheticTask(n: Int = 600, seed: UInt64 = 4) throws -> TaskData {
        func make(_ n: Int, _ seed: UInt64) throws -> LabeledImages {
            var rng = RNG(seed: seed)
            let x = Tensor(zeros: [n, 6])
            var y = [Int32](repeating: 0, count: n)
            for i in 0..<n {
                for j in 0..<6 { x[i * 6 + j] = rng.uniform() }
                y[i] = Int32((0..<3).max { x[i * 6 + $0] < x[i * 6 + $1] }!)
            }
            return try LabeledImages(images: x, labels: y, classes: 3)
        }
        return .classification(train: try make(n, seed), val: try make(200, seed + 1), directory: nil)
    }

    static func options(_ edit: (inout TrainingOptions) -> Void = { _ in }) -> TrainingOptions {
        var o = TrainingOptions()
        o.batch_size = 20; o.steps = 150; o.lr = 0.01; o.min_lr = 0.001; o.warmup_steps = 5
        o.eval_every = 50; o.checkpoint_every = 50; o.log_every = 10
        edit(&o)
        return o
    }

    @Test func adamWMatchesHandComputedSteps() {
        let net = makeNetwork(.mlp(MLPConfig(inputs: 1, hidden: [], classes: 1)), seed: 1)
        let w = net.params["layers/0/weight"], b = net.params["layers/0/bias"]
        w[0] = 0.5; b[0] = 0.5
        let opt = AdamW(params: net.params, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1)
        var pw = 0.5, pb = 0.5, m = [0.0, 0.0], v = [0.0, 0.0]
        for t in 1...3 {
            let g = [0.2 * Double(t), -0.1]
            net.params.grad("layers/0/weight")[0] = Float(g[0]); net.params.grad("layers/0/bias")[0] = Float(g[1])
            opt.step(net.params, lr: 0.01)
            for k in 0..<2 { m[k] = 0.9 * m[k] + 0.1 * g[k]; v[k] = 0.99 * v[k] + 0.01 * g[k] * g[k] }
            let c1 = 1 - pow(0.9, Double(t)), c2 = 1 - pow(0.99, Double(t))
            pw -= 0.01 * ((m[0] / c1) / ((v[0] / c2).squareRoot() + 1e-8) + 0.1 * pw)   // weight: decayed
            pb -= 0.01 * ((m[1] / c1) / ((v[1] / c2).squareRoot() + 1e-8))             // bias: not decayed
            // float32 AdamW against Double: each step rounds m, v, the bias corrections, √, the division and the
            // update a few times, ≲ 10u relative of terms of size ≤ |w| = 0.5 and lr·1 = 0.01, so ≲ 3e-7 per step and
            // ≲ 1e-6 after 3 (not compounding: the update does not depend on w). A wrong decay or bias correction is
            // off by ≥ lr·0.1·0.5 = 5e-4 in one step.
            #expect(abs(Double(w[0]) - pw) < 1e-6 && abs(Double(b[0]) - pb) < 1e-6, "step \(t)")
        }
    }

    @Test func scheduleWarmsUpThenDecaysToMin() {
        #expect(learningRate(step: 0, total: 100, warmup: 10, lr: 1, minLR: 0.1) == 1.0 / 11)
        // learningRate is Double arithmetic: a few roundings of values ≤ 1, ≲ 1e-15
        #expect(abs(learningRate(step: 10, total: 100, warmup: 10, lr: 1, minLR: 0.1) - 1) < 1e-12)
        #expect(abs(learningRate(step: 55, total: 100, warmup: 10, lr: 1, minLR: 0.1) - 0.55) < 1e-12)
        #expect(learningRate(step: 100, total: 100, warmup: 10, lr: 1, minLR: 0.1) == 0.1)
    }

    @Test func weightDecaySkipsBiasesNormsAndEmbeddings() {
        let net = makeNetwork(.gpt(GPTConfig(n_layer: 1, n_head: 1, head_dim: 2, n_embd: 2, ffn_hidden: 2, block_size: 2, vocab_size: 3)), seed: 1)
        let decayed = Set(zip(net.params.names, net.params.decay).filter { $0.1 }.map { $0.0 })
        #expect(decayed == ["transformer/h/0/attn/c_attn/weight", "transformer/h/0/attn/c_proj/weight",
                            "transformer/h/0/mlp/c_fc/weight", "transformer/h/0/mlp/c_proj/weight"])
    }

    @Test func learnsASyntheticTaskAndKeepsTheBest() throws {
        let dir = TestSupport.tempDir("trainer").path
        let net = makeNetwork(.mlp(MLPConfig(inputs: 6, hidden: [32], classes: 3)), seed: 2)
        let t = Trainer(net: net, data: try Self.syntheticTask(), options: Self.options(), seed: 3, runDir: dir, config: .null)
        t.quiet = true
        let r = try t.run(resume: false)
        #expect(r.steps == 150)
        #expect((r.best?.accuracy ?? 0) > 0.8, "val accuracy \(r.best?.accuracy ?? 0)")
        #expect(r.curve.first!.train_loss > r.curve.last!.train_loss)
        let best = try ModelFile.read(t.bestPath)
        let e = try evaluate(makeNetwork(best), on: try Self.syntheticTask().split(.val), splitName: "val")
        #expect(e.accuracy == r.best?.accuracy)
        // A second run without resume refuses to overwrite the run folder.
        let again = Trainer(net: net, data: try Self.syntheticTask(), options: Self.options(), seed: 3, runDir: dir, config: .null)
        #expect(throws: FormatError.self) { _ = try again.run(resume: false) }
    }

    @Test func nanStopsTheRunNamingStepAndTensorAndKeepsTheCheckpoint() throws {
        let dir = TestSupport.tempDir("trainer").path
        let net = makeNetwork(.mlp(MLPConfig(inputs: 6, hidden: [8], classes: 3)), seed: 2)
        let opts = Self.options { $0.lr = 1e36; $0.min_lr = 0; $0.warmup_steps = 0; $0.grad_clip = 0; $0.checkpoint_every = 1; $0.eval_every = 0 }
        let t = Trainer(net: net, data: try Self.syntheticTask(), options: opts, seed: 3, runDir: dir, config: .null)
        t.quiet = true
        var caught: NumericalError?
        do { _ = try t.run(resume: false) } catch let e as NumericalError { caught = e }
        let e = try #require(caught)
        #expect(e.step >= 2)
        #expect(e.checkpointStep == e.step - 1)
        let text = "\(e)"
        #expect(text.contains("training diverged at step \(e.step)"), "\(text)")
        #expect(text.contains("the logits") || text.contains("the loss") || text.contains("the gradient of") || text.contains("the parameter"), "\(text)")
        #expect(text.contains("last good checkpoint (step \(e.step - 1)) is kept at \(t.checkpointPath)"), "\(text)")
        #expect(Checkpoint.step(at: t.checkpointPath) == e.step - 1)
    }
}
