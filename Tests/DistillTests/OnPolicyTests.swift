// OnPolicyTests: on-policy distillation (GKD): the loss against tools/gkd_reference.py, a planted student's batches,
// λ = 0 as supervised KD, seeded runs, kill -9 and --resume, and bad input refused by the command.
import CondenseCore
import Foundation
import Generate
import HDF5
import Testing
import TestSupport
@testable import Distill

// Tolerances of the loss test, derived, not tuned (u = 2⁻²⁴ the float32 unit roundoff). The loss is pure Swift over
// V = 7 classes (no BLAS, one order on every CPU; glibc's expf/logf within 1 ulp = 2u relative) against float64 numpy.
// For one row, x = z/T (one rounding, u·|x|); every float32 log-probability l (of P, Q, and JSD's mixture M) is then
// within η' = FloatBounds.logSumExp(x, expError: 2u) + u·(|x|max + 4 + Λ) of exact, where Λ is the condition of the
// row: the largest |log-probability| of P, Q and M (computed in float64 from the logits; M ≥ min(β, 1−β)·max(P, Q)
// bounds |log M|). A probability e^l is then within η' + 2u relative. D is at most two weighted sums of
// log-differences (a KL is one, JSD two), the weights of each summing to ≤ 1: each log-difference is within 2η', each
// weight within (η' + 2u) relative of a term whose log-difference is ≤ 2Λ in size, so |ΔD_row| ≤ 4η' + 4Λ·(η' + 2u).
// The loss is T²·mean(D) (summed in float64, negligible): |ΔL| ≤ T²·max_row |ΔD_row|. A gradient entry is
// (T/n)·g_j with g_j = q_j − p_j (forward) or q_j·(a_j − Σ_k q_k·a_k), |a| ≤ 2Λ (reverse, JSD): |Δg_j| ≤ 4η' +
// 4Λ·(η' + 2u) + |ΔD_row| + 4Λ·u (the float32 products and the stored result), so the gradient bound is
// (T/n)·(2·|ΔD_row|max + 4Λ·u). The reference's central differences (h = 1e-5, float64) add h²·|L‴|/6 + 1e-16·|L|/h
// ≲ 1e-10. With N(0, 3²) logits Λ ≈ 8–16 and η' ≲ 60u, so the bounds come to ≈ 5e-5–3e-4 on losses of 0.1–5 and
// ≈ 5e-5–8e-5 on the gradient entries, while a swapped β (JSD(β) vs JSD(1−β)), a reversed KL, a missing T² or the
// wrong rows counted change them by O(0.1–1).
@Suite struct OnPolicyTests {
    static let rows = 6, cols = 7

    func gpt(_ v: Int, layers: Int = 1, block: Int = 8, tied: Bool = true, seed: UInt64) -> ModelFile {
        makeNetwork(.gpt(GPTConfig(n_layer: layers, n_head: 2, head_dim: 4, n_embd: 8, ffn_hidden: 16, block_size: block,
                                   vocab_size: v, bias: true, tie_embeddings: tied, dropout: 0)), seed: seed).modelFile()
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    /// A tiny on-policy config on text: λ, β, fixed T, prompt 3 + continuation 4 in a block of 8.
    func config(lambda: Double = 0.5, beta: Double = 0.5, t: Double = 2) -> DistillConfig {
        var c = DistillConfig()
        c.method = .onPolicy; c.lambda = lambda; c.gkd_beta = beta; c.temperature = .fixed(t)
        c.prompt_length = 3; c.continuation_length = 4
        c.train.steps = 8; c.train.epochs = 0; c.train.batch_size = 4; c.train.eval_every = 0; c.train.eval_batches = 2
        c.train.warmup_steps = 1; c.train.checkpoint_every = 0
        return c
    }

    func weights(_ m: ModelFile) -> [Float] { m.parameters.keys.sorted().flatMap { m.parameters[$0]!.array } }

    /// One row's bound |ΔD_row| (above) for logits zs, zt (V) at T and β, and the row's condition Λ.
    static func rowBound(_ zs: ArraySlice<Float>, _ zt: ArraySlice<Float>, t: Double, beta: Double) -> (bound: Double, cond: Double) {
        let u = FloatBounds.u
        let xs = zs.map { Double($0) / t }, xt = zt.map { Double($0) / t }
        func logProbs(_ x: [Double]) -> [Double] {
            let m = x.max()!, lz = m + Foundation.log(x.reduce(0) { $0 + Foundation.exp($1 - m) })
            return x.map { $0 - lz }
        }
        let lq = logProbs(xs), lp = logProbs(xt)
        let lm = zip(lp, lq).map { Foundation.log(beta * Foundation.exp($0) + (1 - beta) * Foundation.exp($1)) }
        let cond = (lq + lp + (beta > 0 && beta < 1 ? lm : [])).map(abs).max()!
        let xmax = (xs + xt).map(abs).max()!
        let eta = max(FloatBounds.logSumExp(xs, expError: 2 * u), FloatBounds.logSumExp(xt, expError: 2 * u)) + u * (xmax + 4 + cond)
        return (4 * eta + 4 * cond * (eta + 2 * u), cond)
    }

    @Test(arguments: [0.0, 0.5, 1.0])
    func gkdLossAndGradientMatchTheNumpyReference(beta: Double) throws {
        let (r, c) = (Self.rows, Self.cols)
        for (i, t) in [0.5, 1.0, 2.0].enumerated() {
            let zs = Synthetic.randoms(r * c, seed: 70 + UInt64(i)), zt = Synthetic.randoms(r * c, seed: 170 + UInt64(i))
            // Positions that do not count (−1), as in an on-policy batch's prompt and padding.
            let y: [Int32] = [-1, 3, 0, -1, 6, 2]
            var d = [Float](repeating: .nan, count: r * c)
            let v = OnPolicyMethod.loss(temperature: t, beta: beta)
                .compute(student: zs, teacher: zt, targets: y, rows: r, cols: c, dlogits: &d)
            let bin = TestSupport.tempDir("gkd-ref").appendingPathComponent("in.bin")
            try (zs + zt + y.map { Float($0) }).withUnsafeBytes { try Data($0).write(to: bin) }
            let out = try TestSupport.tool("gkd_reference.py", [bin.path, "\(r)", "\(c)", "\(t)", "\(beta)"])
            let ref = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
            let counted = (0..<r).filter { y[$0] >= 0 }
            let bounds = counted.map { Self.rowBound(zs[($0 * c)..<($0 * c + c)], zt[($0 * c)..<($0 * c + c)], t: t, beta: beta) }
            let dRow = bounds.map(\.bound).max()!, cond = bounds.map(\.cond).max()!
            let lossTol = t * t * dRow
            let gradTol = t / Double(counted.count) * (2 * dRow + 4 * cond * FloatBounds.u)
            let refLoss = (ref["loss"] as! NSNumber).doubleValue
            #expect(abs(refLoss - v.loss) <= lossTol, "β=\(beta) T=\(t): loss \(v.loss), numpy \(refLoss), bound \(lossTol)")
            let gradErr = zip(d, (ref["grad"] as! [NSNumber]).map(\.doubleValue)).map { abs(Double($0) - $1) }.max()!
            #expect(gradErr <= gradTol, "β=\(beta) T=\(t): largest gradient error \(gradErr), bound \(gradTol)")
            for k in [0, 3] { #expect((0..<c).allSatisfy { d[k * c + $0] == 0 }, "a position that does not count gets no gradient") }
        }
    }

    /// A student whose every output is token k (ln_f outputs its bias, 1, and lm_head's row k alone is 20, so k's
    /// logit exceeds the others' by 160: their probabilities underflow to 0) writes only k: every generated position
    /// of an on-policy batch is k, the prompts are training windows, and the counted positions are exactly those
    /// whose next token was generated. Planting another token in the same tensors changes the next batch's samples.
    @Test func aPlantedStudentWritesOnlyItsToken() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count, k: Int32 = Int32(v - 2)
        let student = makeNetwork(gpt(v, tied: false, seed: 1)) as! GPT
        student.params["transformer/ln_f/weight"].fill(0)
        student.params["transformer/ln_f/bias"].fill(1)
        let head = student.params["lm_head/weight"]
        head.fill(0)
        for j in 0..<8 { head.data[Int(k) * 8 + j] = 20 }
        var cfg = config(lambda: 1)
        cfg.train.batch_size = 3
        let setup = MethodSetup(config: cfg, data: .text(corpus), teacher: OnlineTeacher(gpt(v, layers: 2, seed: 2)),
                                student: student, options: cfg.train)
        let run = try OnPolicyMethod().makeRun(setup, candidate: Candidate(alpha: 1, temperature: 2))
        let batches = try #require(run.batches as? OnPolicyBatches)
        for step in 0..<3 {
            try batches.next(step: step, micro: 0)
            #expect(batches.onPolicy, "λ = 1: every batch is on-policy")
            let input: [Int32] = batches.withInput { i in
                guard case .tokens(let p, _, _) = i else { return [] }
                return Array(UnsafeBufferPointer(start: p, count: i.rows))
            }
            var r = OnPolicyBatches.rng(seed: cfg.seed, step: step, micro: 0)
            _ = r.uniform()
            for b in 0..<3 {
                let row = Array(input[(b * 8)..<(b * 8 + 8)]), targets = Array(batches.targets[(b * 8)..<(b * 8 + 8)])
                #expect(Array(row[0..<3]) == corpus.train.slice(r.below(corpus.train.count - 3), 3), "the prompt is a training window")
                #expect(row[3...].allSatisfy { $0 == k }, "generated (and padding) positions are the planted token: \(row)")
                // Positions 2…5 predict the generated tokens 3…6; the prompt's first two and the padding do not count.
                #expect(targets == [-1, -1, k, k, k, k, -1, -1], "targets \(targets)")
            }
        }
        // The engine reads the live weights: plant another token in place (as a training step would change them)
        // and the next batch writes that one.
        let k2 = Int32(v - 3)
        for j in 0..<8 { head.data[Int(k) * 8 + j] = 0; head.data[Int(k2) * 8 + j] = 20 }
        try batches.next(step: 3, micro: 0)
        let generated = batches.withInput { i -> [Int32] in
            guard case .tokens(let p, _, _) = i else { return [] }
            return (0..<3).flatMap { b in (3..<7).map { p[b * 8 + $0] } }
        }
        #expect(generated.count == 12 && generated.allSatisfy { $0 == k2 }, "after the change: \(generated)")
    }

    /// λ = 0 draws no sample: the run is supervised KD, the soft method at α = 1 with the same T and the divergence
    /// β stands for, bit for bit (the same objective on the same plain-sampler batches).
    @Test(arguments: [(0.0, Divergence.forward_kl), (0.3, .jsd), (1.0, .reverse_kl)])
    func lambdaZeroIsSupervisedDistillation(beta: Double, divergence: Divergence) throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        func run(_ c: DistillConfig) throws -> ([Float], StageReport) {
            let (m, r) = try distill(student: gpt(v, seed: 1), teacher: gpt(v, layers: 2, seed: 2), config: c, data: .text(corpus),
                                     run: DistillRunOptions(runDir: TestSupport.tempDir("op-kd").path, quiet: true))
            return (weights(m), r)
        }
        let (onPolicy, report) = try run(config(lambda: 0, beta: beta))
        var soft = config()
        soft.method = .soft; soft.lambda = 0.5; soft.gkd_beta = 0.5; soft.prompt_length = 16; soft.continuation_length = 48
        soft.alpha = .fixed(1); soft.divergence = divergence; soft.jsd_beta = divergence == .jsd ? beta : 0.5
        let (supervised, _) = try run(soft)
        #expect(onPolicy == supervised, "β=\(beta): λ = 0 equals the soft method at α = 1 with \(divergence)")
        let d = try DistillDetails(report: report)
        #expect(d.on_policy?.on_policy_batches == 0 && d.on_policy?.sampled_batches == 0 && d.on_policy?.divergence == divergence)
    }

    /// The same seed gives the same samples and the same model; another seed another one. The report counts the
    /// on-policy batches from the seeded draws and times their sampling.
    @Test func seededOnPolicyRunsAreIdentical() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        func run(_ c: DistillConfig) throws -> ([Float], DistillDetails) {
            let (m, r) = try distill(student: gpt(v, seed: 1), teacher: gpt(v, layers: 2, seed: 2), config: c, data: .text(corpus),
                                     run: DistillRunOptions(runDir: TestSupport.tempDir("op-seed").path, quiet: true))
            return (weights(m), try DistillDetails(report: r))
        }
        let c = config(lambda: 0.5)
        let (a, da) = try run(c)
        let (b, _) = try run(c)
        #expect(a == b, "the same seed gives the same model, bit for bit")
        let expected = (0..<8).filter { OnPolicyBatches.isOnPolicy(seed: c.seed, step: $0, micro: 0, lambda: 0.5) }.count
        let s = try #require(da.on_policy)
        #expect(expected > 0 && expected < 8, "the seed draws both kinds of batch (\(expected) of 8 on-policy)")
        #expect(s.on_policy_batches == expected && s.sampled_batches == expected && s.batches == 8)
        #expect(s.sampled_tokens == expected * 4 * 4 && s.sampling_seconds > 0, "\(s)")
        #expect(da.method == .onPolicy && da.chosen == nil)
        var other = c; other.seed = 99
        #expect(try run(other).0 != a)
    }

    /// --temperature auto searches T over the grid with α fixed at 1.
    @Test func autoTemperatureIsSearchedWithAlphaOne() throws {
        var c = config()
        c.temperature = .auto; c.temperature_grid = [1, 2]
        #expect(OnPolicyMethod().candidates(c) == [Candidate(alpha: 1, temperature: 1), Candidate(alpha: 1, temperature: 2)])
        #expect(OnPolicyMethod().searches(c) && !OnPolicyMethod().searches(config()))
    }

    /// A run killed with SIGKILL after on-policy batches were sampled resumes onto the same trajectory: the same
    /// losses at every step and the same final weights, bit for bit.
    @Test func killedOnPolicyRunResumesOnTheSameTrajectory() throws {
        let dir = TestSupport.tempDir("distill-op-resume")
        let student = dir.appendingPathComponent("s.h5").path, teacher = dir.appendingPathComponent("t.h5").path
        let v = try CharCorpus().vocabulary.count
        try gpt(v, seed: 1).write(to: student)
        try gpt(v, layers: 2, seed: 2).write(to: teacher)
        let args = ["distill", student, "--teacher", teacher, "--method", "on-policy", "--lambda", "0.5", "--gkd-beta", "0.5",
                    "--temperature", "2", "--sample-temperature", "1", "--prompt-length", "2", "--continuation-length", "5"] + TestSupport.resumeRunOptions(steps: 400, batch: 4)
        let r = try TestSupport.killAndResume(args, in: dir) { $0.appendingPathComponent("final/log.jsonl") }
        #expect(r.trajectoryProblems(steps: 400).isEmpty, "\(r.trajectoryProblems(steps: 400))")
        // The checkpoint it resumed from, and on-policy batches on both sides of it.
        let at = try #require(r.resume.stderr.firstMatch(of: #/at step (\d+)/#).map { Int($0.1)! })
        let drawn = (0..<400).filter { OnPolicyBatches.isOnPolicy(seed: 7, step: $0, micro: 0, lambda: 0.5) }
        #expect(at > 0 && drawn.contains { $0 < at } && drawn.contains { $0 >= at }, "resumed at \(at)")
        #expect(r.resume.stderr.contains("on-policy: \(drawn.count) of 400 batches of the final run sampled from the student"), "\(r.resume.stderr)")
        // The same float operations in the same order (the run restores weights, moments and the sampler, and draws
        // everything else from (seed, step, micro-batch)): the losses and the weights are bit-identical.
        #expect(r.reference == r.resumed, "the train losses differ after the resume")
        let a = try ModelFile.read(dir.appendingPathComponent("a.h5").path), b = try ModelFile.read(dir.appendingPathComponent("b.h5").path)
        #expect(weights(a) == weights(b), "the final weights differ")
    }

    /// Bad input is one clear line on stderr, exit 1, and nothing written.
    @Test func theCommandRefusesBadOnPolicyInput() throws {
        let dir = TestSupport.tempDir("op-errors")
        let v = try CharCorpus().vocabulary.count
        let (s, t) = (dir.appendingPathComponent("s.h5").path, dir.appendingPathComponent("t.h5").path)
        try gpt(v, seed: 1).write(to: s)
        try gpt(v, layers: 2, seed: 2).write(to: t)
        let out = dir.appendingPathComponent("o.h5").path
        let base = ["distill", s, "--teacher", t, "-o", out, "--steps", "4", "--batch-size", "2"]
        let op = ["--method", "on-policy", "--temperature", "1"]
        let cases: [([String], String)] = [
            (op + ["--lambda", "1.5"], "distill: --lambda: expected a share of student-sampled batches in [0, 1], found 1.5"),
            (op + ["--lambda=-0.1"], "distill: --lambda: expected a share of student-sampled batches in [0, 1], found -0.1"),
            (op + ["--gkd-beta", "1.2"], "distill: --gkd-beta: expected a number in [0, 1] (0: forward KL, 1: reverse KL), found 1.2"),
            (op + ["--gkd-beta=-0.5"], "distill: --gkd-beta: expected a number in [0, 1] (0: forward KL, 1: reverse KL), found -0.5"),
            (op + ["--sample-temperature", "0"],
             "distill: --sample-temperature: expected a number in (0, 100] when lambda > 0 (the student samples at it), found 0.0"),
            (op + ["--prompt-length", "4", "--continuation-length", "5"],
             "distill: continuation_length: expected prompt_length + continuation_length ≤ the student's block size (8), found 4 + 5 = 9"),
            (["--lambda", "0.3"], "distill: --lambda: expected --method on-policy (the option applies to it only), found --method soft"),
            (["--method", "hard", "--gkd-beta", "0.3"], "distill: --gkd-beta: expected --method on-policy (the option applies to it only), found --method hard"),
            (["--method", "hard", "--sample-temperature", "2"],
             "distill: --sample-temperature: expected --method on-policy (the option applies to it only), found --method hard"),
        ]
        for (extra, line) in cases {
            let r = try TestSupport.condense(base + extra)
            #expect(r.status == 1 && r.stderr == "condense: error: \(line)\n", "\(extra): \(r.stderr)")
        }
        // λ = 0 samples nothing, so its sampling temperature is not checked.
        var c = config(lambda: 0); c.sample_temperature = 0
        #expect(message { try c.validate() } == "no error")
        // An image (MLP) model: the on-policy method samples text from a GPT.
        let csv = dir.appendingPathComponent("d.csv").path
        var rows = "a,b,label\n"
        for i in 0..<60 { rows += "\(Double(i % 7) / 7),\(Double(i % 5) / 5),\(i % 3)\n" }
        try rows.write(toFile: csv, atomically: true, encoding: .utf8)
        let (ms, mt) = (dir.appendingPathComponent("ms.h5").path, dir.appendingPathComponent("mt.h5").path)
        try Synthetic.mlp(2, [4], 3, seed: 1).write(to: ms)
        try Synthetic.mlp(2, [8], 3, seed: 2).write(to: mt)
        let m = try TestSupport.condense(["distill", ms, "--teacher", mt, "-o", out, "--data", csv, "--method", "on-policy",
                                          "--temperature", "1", "--steps", "4", "--batch-size", "2"])
        #expect(m.status == 1 && m.stderr == "condense: error: distill: method: expected soft or hard for a classifier (the on-policy method samples text from a GPT student), found on-policy\n",
                "\(m.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["d.csv", "ms.h5", "mt.h5", "s.h5", "t.h5"], "nothing written: \(left)")
        // A recipe's key of the on-policy method with another method, and a shared key with on-policy.
        var k = DistillConfig(); k.lambda = 0.3
        #expect(message { try k.validate() } == "distill: lambda: expected its default (0.5): it applies to method on-policy only, and the method is soft, found 0.3")
        k = DistillConfig(); k.method = .hard; k.prompt_length = 4
        #expect(message { try k.validate() } == "distill: prompt_length: expected its default (16): it applies to methods sequence and on-policy only, and the method is hard, found 4")
        k = config(); k.temperature_grid = [1, 3]
        #expect(message { try k.validate() } == "no error")
    }
}
