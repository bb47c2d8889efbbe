// EnsembleTests: an ensemble's targets are the weighted mean of its teachers' probabilities at T, one teacher is
// served unchanged, the cache of an ensemble replays it exactly, and teachers that disagree are refused.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Distill

@Suite struct EnsembleTests {
    let w = Synthetic.weights(features: 16, classes: 4, seed: 3)

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    /// softmax(z/T) of the served logits against Σ w_i·softmax(z_i/T) in float64, in log space. Bound: each member's
    /// float32 log-softmax entry at T is within ε_ij = logSumExp(z_i/T) + 2u·|z_ij/T| (the scaling by a rounded 1/T)
    /// + u·|lp_ij| (the subtraction); the float64 log-sum-exp over members moves by at most max_i ε_ij; rounding
    /// T·log m to float32 adds u·|log m_j|; and renormalising the result (in float64, here) at most doubles the
    /// largest error of the row. A wrong weight, a mean of logits instead of probabilities, or T applied twice is
    /// off by O(0.1).
    @Test(arguments: [1.0, 2.0, 0.5])
    func targetsAreTheWeightedMeanOfProbabilities(t: Double) throws {
        let (b, c) = (5, 4)
        let models = (0..<3).map { Synthetic.mlp(16, [8], c, seed: UInt64(10 + $0)) }
        for m in models { for p in m.parameters.values { p.scale(4) } }
        let weights = [0.5, 0.2, 0.3]
        let ensemble = try EnsembleTeacher(models.map { OnlineTeacher($0) }, weights: [5, 2, 3])
        #expect(ensemble.weights.enumerated().allSatisfy { abs($0.element - weights[$0.offset]) < 1e-15 })
        let x = Synthetic.randoms(b * 16, seed: 4, scale: 1)
        let served = x.withUnsafeBufferPointer { p in
            Array(UnsafeBufferPointer(start: ensemble.logits(for: .features(p.baseAddress!, batch: b), temperature: t), count: b * c))
        }
        let member = models.map { m in x.withUnsafeBufferPointer { p in
            let net = makeNetwork(m)
            return Array(UnsafeBufferPointer(start: net.predict(.features(p.baseAddress!, batch: b)), count: b * c)) } }
        let u = FloatBounds.u
        for r in 0..<b {
            var mix = [Double](repeating: 0, count: c), err = [Double](repeating: 0, count: c)
            for (i, z) in member.enumerated() {
                let zt = (0..<c).map { Double(z[r * c + $0]) / t }
                let lse = FloatBounds.logSumExp(zt, expError: 2 * u)
                let m = zt.max()!, logZ = m + Foundation.log(zt.reduce(0) { $0 + Foundation.exp($1 - m) })
                for j in 0..<c {
                    mix[j] += weights[i] * Foundation.exp(zt[j] - logZ)
                    err[j] = max(err[j], lse + 2 * u * abs(zt[j]) + u * abs(zt[j] - logZ))
                }
            }
            let s = (0..<c).map { Double(served[r * c + $0]) / t }
            let m = s.max()!, logZ = m + Foundation.log(s.reduce(0) { $0 + Foundation.exp($1 - m) })
            let bound = 2 * (0..<c).map { err[$0] + u * abs(Foundation.log(mix[$0])) }.max()!
            for j in 0..<c {
                let diff = abs((s[j] - logZ) - Foundation.log(mix[j]))
                #expect(diff <= bound, "T=\(t) row \(r) class \(j): log-probability off by \(diff), bound \(bound)")
            }
        }
    }

    @Test func oneTeacherIsServedUnchanged() throws {
        let model = Synthetic.oracle(w: w, features: 16, classes: 4)
        let one = OnlineTeacher(model), ensemble = try EnsembleTeacher([one], weights: [3])
        #expect(ensemble.digest == modelDigest(model), "a one-teacher ensemble keeps the teacher's digest (and its caches)")
        let x = Synthetic.randoms(8 * 16, seed: 2, scale: 1)
        let (a, b) = x.withUnsafeBufferPointer { p -> ([Float], [Float]) in
            let input = NetworkInput.features(p.baseAddress!, batch: 8)
            let e = Array(UnsafeBufferPointer(start: ensemble.logits(for: input, temperature: 4), count: 32))
            let net = makeNetwork(model)
            return (e, Array(UnsafeBufferPointer(start: net.predict(input), count: 32)))
        }
        #expect(a == b, "bit for bit")
        // And a whole distillation: one teacher given as an ensemble (any weight) is that teacher's run.
        var cfg = smallConfig()
        let student = Synthetic.mlp(16, [8], 4, seed: 1)
        let (plain, _) = try distill(student: student, teacher: model, config: cfg, data: Synthetic.task(w: w),
                                     run: DistillRunOptions(runDir: TestSupport.tempDir("e1").path, quiet: true))
        cfg.teacher_weights = [0.25]
        let (weighted, _) = try distill(student: student, teachers: [model], config: cfg, data: Synthetic.task(w: w),
                                        run: DistillRunOptions(runDir: TestSupport.tempDir("e2").path, quiet: true))
        #expect(plain.parameters["layers/0/weight"]!.array == weighted.parameters["layers/0/weight"]!.array)
    }

    func smallConfig() -> DistillConfig {
        var cfg = DistillConfig()
        cfg.alpha = .fixed(0.8); cfg.temperature = .fixed(2)
        cfg.train.steps = 20; cfg.train.epochs = 0; cfg.train.batch_size = 32; cfg.train.eval_every = 0
        cfg.train.checkpoint_every = 0
        return cfg
    }

    /// A full cache of an ensemble stores every member's T = 1 logits, so the cached run mixes them at T exactly as
    /// the online run does: the models are identical. (Linear teachers, as in ErrorTests' cache test: their logits
    /// do not depend on the batch the cache was built with.) Every method runs on an ensemble.
    @Test func aCachedEnsembleReplaysTheOnlineEnsembleAndEveryMethodRuns() throws {
        let data = Synthetic.task(w: w)
        let teachers = [Synthetic.oracle(w: w, features: 16, classes: 4),
                        Synthetic.oracle(w: Synthetic.weights(features: 16, classes: 4, seed: 8), features: 16, classes: 4, scale: 1)]
        let student = Synthetic.mlp(16, [8], 4, seed: 1)
        var cfg = smallConfig()
        cfg.teacher_weights = [2, 1]
        func train(_ c: DistillConfig, _ name: String) throws -> (ModelFile, StageReport) {
            try distill(student: student, teachers: teachers, config: c, data: data,
                        run: DistillRunOptions(runDir: TestSupport.tempDir(name).path, quiet: true))
        }
        let (online, report) = try train(cfg, "eo")
        var cached = cfg; cached.cache_teacher = true
        let (fromCache, rc) = try train(cached, "ec")
        #expect(rc.details["cache"]?["misses"]?.number == 0)
        #expect(online.parameters["layers/0/weight"]!.array == fromCache.parameters["layers/0/weight"]!.array)
        let d = try DistillDetails(report: report)
        #expect(d.teacher?.members?.map(\.weight) == [2.0 / 3, 1.0 / 3])
        #expect(d.teacher?.digest == EnsembleTeacher.digest(teachers.map(modelDigest), weights: [2.0 / 3, 1.0 / 3]))
        var hard = DistillConfig()
        hard.method = .hard
        hard.train = cfg.train; hard.teacher_weights = [2, 1]
        let (_, rh) = try train(hard, "eh")
        #expect(rh.details["method"] == .string("hard") && rh.metric_after != nil)
    }

    @Test func teachersThatDisagreeAndBadWeightsAreRefused() throws {
        let data = Synthetic.task(w: w)
        let student = Synthetic.mlp(16, [8], 4, seed: 1), four = Synthetic.mlp(16, [8], 4, seed: 2)
        func run(_ teachers: [ModelFile], _ weights: [Double] = [], data: TaskData? = nil, student s: ModelFile? = nil) -> String {
            var cfg = smallConfig(); cfg.teacher_weights = weights
            return message {
                _ = try distill(student: s ?? student, teachers: teachers, config: cfg, data: data ?? Synthetic.task(w: w),
                                run: DistillRunOptions(runDir: TestSupport.tempDir("ebad").path, quiet: true))
            }
        }
        let m = run([four, Synthetic.mlp(16, [8], 3, seed: 3)])
        #expect(m.contains("teacher 2: architecture.classes: teacher 1 has 4 classes but teacher 2 has 3; an ensemble's teachers must have the same outputs"), "\(m)")
        #expect(run([four, four], [1]).contains("teacher_weights: expected one weight per teacher (2), found 1: [1.0]"))
        #expect(run([four, four], [1, -1]).contains("teacher_weights: expected finite weights ≥ 0, found -1.0"))
        #expect(run([four, four], [1, .nan]).contains("teacher_weights: expected finite weights ≥ 0, found nan"))
        #expect(run([four, four], [0, 0]).contains("teacher_weights: expected a positive sum"))
        _ = data
        // GPTs: another vocabulary size, or the same size in another order.
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        func gpt(_ vocab: Int, _ seed: UInt64) -> ModelFile {
            makeNetwork(.gpt(GPTConfig(n_layer: 1, n_head: 2, head_dim: 4, n_embd: 8, ffn_hidden: 16, block_size: 8,
                                       vocab_size: vocab, bias: true, tie_embeddings: true, dropout: 0)), seed: seed).modelFile()
        }
        let m2 = run([gpt(v, 1), gpt(v + 2, 2)], data: .text(corpus), student: gpt(v, 3))
        #expect(m2.contains("teacher 1's vocabulary has \(v) tokens but teacher 2's has \(v + 2); an ensemble's teachers must have the same outputs"), "\(m2)")
        var a = gpt(v, 1), b = gpt(v, 2)
        a.vocabulary = corpus.vocabulary.scalars.map { String($0) }
        b.vocabulary = a.vocabulary!.reversed()
        let m3 = run([a, b], data: .text(corpus), student: gpt(v, 3))
        #expect(m3.contains("teacher 2's vocabulary differs from teacher 1's at token 0"), "\(m3)")
    }
}
