// HardTests: hard-label distillation: the teacher's labels and the blended cross-entropy against
// tools/distill_reference.py, the images' top-1, and seeded runs.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Distill

// Tolerances. The hard loss is DistillLoss's label-mix path at α = 0: one float32 log-softmax per row over 7 classes,
// pure Swift (the same order on every CPU), against float64 numpy. As LossTests derives for that code, each entry
// is within ≲ 60u·max(1, |z|) ≈ 4e-6 relative for N(0, 3²) logits, and the loss and each gradient entry
// (q − blend)/count inherit it: 2e-6 relative to max(1, |L|) and absolute on the gradient (|q − blend| ≤ 1, count 5).
// The central differences of the reference (h = 1e-5, float64) add h²·|L‴| ≲ 1e-10. A label taken from the wrong
// term (λ swapped), a missing count or a wrong sample is O(0.1) off.
@Suite struct HardTests {
    static let rows = 6, cols = 7

    @Test(arguments: [0.0, 0.7, 1.5])
    func lossGradientAndLabelsMatchTheNumpyReference(tau: Double) throws {
        let (r, c) = (Self.rows, Self.cols)
        for (k, mix) in [0.0, 0.3].enumerated() {
            let zs = Synthetic.randoms(r * c, seed: 40 + UInt64(k)), zt = Synthetic.randoms(r * c, seed: 140 + UInt64(k))
            var y = (0..<r).map { Int32(($0 * 3) % c) }
            y[4] = -1  // padding
            var rng = RNG(seed: 9)
            let u = (0..<r).map { _ in Double(rng.uniform()) }
            let hard = zt.withUnsafeBufferPointer { z in
                (0..<r).map { teacherLabel(z.baseAddress! + $0 * c, cols: c, temperature: tau, u: u[$0]) }
            }
            let lambda = [Float](repeating: Float(mix), count: r)
            var d = [Float](repeating: .nan, count: r * c)
            let v = HardLabelObjective.loss(student: zs, targets: y, hard: hard, lambda: lambda, rows: r, cols: c, dlogits: &d)
            let bin = TestSupport.tempDir("hard-ref").appendingPathComponent("in.bin")
            try (zs + zt + y.map { Float($0) } + u.map { Float($0) }).withUnsafeBytes { try Data($0).write(to: bin) }
            // u goes through float32 in the file; it came from a float32 uniform, so it is exact.
            let out = try TestSupport.tool("distill_reference.py", ["hard", bin.path, "\(r)", "\(c)", "\(mix)", "\(tau)"])
            let ref = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
            let labels = (ref["labels"] as! [NSNumber]).map { Int32($0.intValue) }
            #expect(labels == hard, "τ=\(tau): teacher labels \(hard), numpy \(labels)")
            let refLoss = (ref["loss"] as! NSNumber).doubleValue
            #expect(abs(refLoss - v.loss) <= 2e-6 * max(1, abs(refLoss)), "τ=\(tau) mix=\(mix): loss \(v.loss), numpy \(refLoss)")
            let gradErr = zip(d, (ref["grad"] as! [NSNumber]).map(\.doubleValue)).map { abs(Double($0) - $1) }.max()!
            #expect(gradErr <= 2e-6, "τ=\(tau) mix=\(mix): largest gradient error \(gradErr)")
            for j in 0..<c { #expect(d[4 * c + j] == 0, "a padding row gets no gradient") }
        }
    }

    @Test func temperatureZeroIsTheFirstLargestLogit() {
        let z: [Float] = [1, 3, -2, 3, 0]
        #expect(teacherLabel(z, cols: 5, temperature: 0, u: 0.99) == 1)
        // A very low temperature concentrates the mass on the two tied maxima: u below one half takes the first.
        #expect(teacherLabel(z, cols: 5, temperature: 1e-3, u: 0.25) == 1)
        #expect(teacherLabel(z, cols: 5, temperature: 1e-3, u: 0.75) == 3)
    }

    @Test func imageLabelsAreTheTeachersTopOne() throws {
        let w = Synthetic.weights(features: 16, classes: 4, seed: 3)
        let data = Synthetic.task(noise: 0.5, w: w)
        let teacher = OnlineTeacher(Synthetic.oracle(w: w, features: 16, classes: 4))
        var cfg = DistillConfig()
        cfg.method = .hard; cfg.hard_temperature = 1  // images ignore it: always the top-1
        cfg.train.batch_size = 32
        let student = makeNetwork(Synthetic.mlp(16, [8], 4, seed: 1))
        let run = try HardMethod().makeRun(MethodSetup(config: cfg, data: data, teacher: teacher, student: student, options: cfg.train),
                                           candidate: Candidate(alpha: 0, temperature: 1))
        let batches = try #require(run.batches as? HardLabelBatches)
        try batches.next(step: 3, micro: 0)
        let expected: [Int32] = batches.withInput { input in
            let z = teacher.logits(for: input, temperature: 1)
            return (0..<input.rows).map { teacherLabel(z + $0 * 4, cols: 4, temperature: 0, u: 0) }
        }
        #expect(batches.hard == expected)
        #expect(batches.hard != batches.targets, "with 50 % label noise the teacher's labels differ from the targets")
    }

    /// Text labels are sampled, seeded by (seed, step, micro-batch): the same seed gives the same model, another seed
    /// another one.
    @Test func seededHardRunsAreIdentical() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        func gpt(_ seed: UInt64) -> ModelFile {
            makeNetwork(.gpt(GPTConfig(n_layer: 1, n_head: 2, head_dim: 4, n_embd: 8, ffn_hidden: 16, block_size: 8,
                                       vocab_size: v, bias: true, tie_embeddings: true, dropout: 0)), seed: seed).modelFile()
        }
        var cfg = DistillConfig()
        cfg.method = .hard; cfg.hard_mix = .fixed(0.25)
        cfg.train.steps = 6; cfg.train.epochs = 0; cfg.train.batch_size = 4; cfg.train.eval_every = 0
        cfg.train.eval_batches = 2; cfg.train.warmup_steps = 1; cfg.train.checkpoint_every = 0
        func weights(_ cfg: DistillConfig) throws -> [Float] {
            let (m, r) = try distill(student: gpt(1), teacher: gpt(2), config: cfg, data: .text(corpus),
                                     run: DistillRunOptions(runDir: TestSupport.tempDir("hard-seed").path, quiet: true))
            #expect(r.details["method"] == .string("hard") && r.details["chosen"] == nil)
            return m.parameters.keys.sorted().flatMap { m.parameters[$0]!.array }
        }
        let a = try weights(cfg), b = try weights(cfg)
        #expect(a == b, "the same seed gives the same model, bit for bit")
        var other = cfg; other.seed = 99
        #expect(try weights(other) != a)
    }

    /// hard_mix auto: the search tries every weight of the grid (successive halving with η = 2: 3 candidates, then
    /// 2, then 1) and the final run, the report and the model's history carry the one it chose.
    @Test func autoHardMixIsSearchedOverTheGrid() throws {
        let w = Synthetic.weights(features: 16, classes: 4, seed: 3)
        var cfg = DistillConfig()
        cfg.method = .hard; cfg.hard_mix = .auto; cfg.hard_mix_grid = [0, 0.5, 1]
        cfg.train.steps = 60; cfg.train.epochs = 0; cfg.train.batch_size = 16; cfg.train.eval_every = 0
        cfg.train.warmup_steps = 2; cfg.train.checkpoint_every = 0; cfg.search_share = 0.5
        let (m, r) = try distill(student: Synthetic.mlp(16, [8], 4, seed: 1), teacher: Synthetic.oracle(w: w, features: 16, classes: 4),
                                 config: cfg, data: Synthetic.task(w: w),
                                 run: DistillRunOptions(runDir: TestSupport.tempDir("hard-auto").path, quiet: true))
        let d = try DistillDetails(report: r)
        let chosen = try #require(d.chosen?.hard_mix)
        #expect([0, 0.5, 1].contains(chosen) && d.search.candidates == 3 && d.hard?.mix == chosen)
        #expect(Set(d.sweep.compactMap { $0.hard_mix }) == [0, 0.5, 1], "every weight was tried: \(d.sweep)")
        #expect(m.history.last?["metrics"]?["hard_mix"]?.number == chosen)
        cfg.hard_mix_grid = [1.5]
        #expect(throws: ConfigError.self) { try cfg.validate() }
    }
}
