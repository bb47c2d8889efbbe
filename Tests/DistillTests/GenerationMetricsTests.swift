// GenerationMetricsTests: the teacher's NLL of the student's samples against an independent forward, a student
// identical to its teacher as a perfect greedy draft, seeded runs, N = 0, bad values, and the metrics in distill.
import CondenseCore
import Foundation
import Generate
import Testing
import TestSupport
@testable import Distill

// Tolerance of the NLL test, derived, not tuned. The library and the test score the same token sequences with the same
// float32 GPT forward, but in other batch shapes (the library 16 sequences at a time, the test all of them at once),
// so OpenBLAS may block and sum in other orders. Each evaluation lies within FloatBounds.forward(reductions:length:)·S
// of the exact logits (S = max|z|, the output scale; reductions = 8·layers + 2; length = the longest reduction,
// max(n_embd, ffn_hidden, T)), so the two differ by at most Δ = 2·forward·S per logit. Both take log-softmax in float64,
// which moves by at most 2Δ when every logit moves by ≤ Δ (|Δz_j| plus |Δ logΣexp| ≤ max|Δz|), and the mean of those
// moves is within the same 2Δ. The float64 arithmetic itself adds ~V·2⁻⁵³·|z| ≈ 1e-13 (1e-12 covers it). With the
// fixtures' S ≈ 5–15 the bound comes to ≈ 1e-3–5e-3 nats, while the errors it is there to catch (scoring row t
// instead of t − 1, counting prompt tokens, the student's logits for the teacher's, a sign) move the NLL of these
// sharp distributions by ≥ 0.1 nats (scoring row t moves the teacher's NLL here from 3.75 to 1.62 nats).
@Suite struct GenerationMetricsTests {
    /// A tiny GPT whose token embeddings are scaled by `sharpness`: its distributions are far from uniform, so scoring
    /// the wrong row or token changes its NLL by a lot.
    func gpt(_ v: Int, layers: Int = 1, block: Int = 16, seed: UInt64, sharpness: Float = 40) -> ModelFile {
        var m = makeNetwork(.gpt(GPTConfig(n_layer: layers, n_head: 2, head_dim: 4, n_embd: 8, ffn_hidden: 16, block_size: block,
                                           vocab_size: v, bias: true, tie_embeddings: true, dropout: 0)), seed: seed).modelFile()
        let wte = m.parameters["transformer/wte/weight"]!.copy()
        for i in 0..<wte.count { wte.data[i] *= sharpness }
        m.parameters["transformer/wte/weight"] = wte
        return m
    }

    func net(_ m: ModelFile) -> GPT { makeNetwork(m) as! GPT }

    /// The test's own scoring: one forward over all sequences, float64 log-softmax, mean over the continuation tokens;
    /// with the logits' scale S for the bound.
    func referenceNLL(_ net: GPT, _ sequences: [[Int32]], promptLength p: Int) -> (nll: Double, scale: Double) {
        let l = sequences[0].count, v = net.config.vocab_size, flat = sequences.flatMap { $0 }
        var z = [Float]()
        flat.withUnsafeBufferPointer { ids in
            var rng = RNG(seed: 0)
            let out = net.forward(.tokens(ids.baseAddress!, batch: sequences.count, seq: l), training: false, rng: &rng)
            z = Array(UnsafeBufferPointer(start: out, count: sequences.count * l * v))
        }
        var sum = 0.0
        for (b, s) in sequences.enumerated() {
            for t in p..<l {
                let row = z[((b * l + t - 1) * v)..<((b * l + t) * v)].map(Double.init)
                let m = row.max()!
                let lse = m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) })
                sum += lse - row[Int(s[t])]
            }
        }
        return (sum / Double(sequences.count * (l - p)), Double(z.map { abs($0) }.max()!))
    }

    func bound(_ c: GPTConfig, length t: Int, scale: Double) -> Double {
        let forward = FloatBounds.forward(reductions: FloatBounds.gptReductions(layers: c.n_layer),
                                          length: max(c.n_embd, c.ffn_hidden, t))
        return 2 * (2 * forward * scale) + 1e-12
    }

    @Test func teacherNLLEqualsAnIndependentForward() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        let teacher = net(gpt(v, layers: 2, seed: 2)), student = net(gpt(v, seed: 1))
        let o = GenerationMetricsOptions(samples: 20, prompt_length: 4, tokens: 9, draft_prompts: 2, seed: 7)
        let m = try #require(try measureGeneration(student: student, teacher: teacher, validation: corpus.val, options: o))
        let prompts = generationPrompts(corpus.val, count: 20, length: 4, seed: 7)
        let sequences = try sampleContinuations(student, prompts: prompts, tokens: 9, temperature: 1, seed: 7)
        #expect(sequences.count == 20 && sequences.allSatisfy { $0.count == 13 })
        let t = referenceNLL(net(gpt(v, layers: 2, seed: 2)), sequences, promptLength: 4)
        let tb = bound(teacher.config, length: 13, scale: t.scale)
        #expect(abs(m.teacher_nll - t.nll) <= tb, "teacher NLL \(m.teacher_nll) vs \(t.nll) (bound \(tb))")
        let s = referenceNLL(net(gpt(v, seed: 1)), sequences, promptLength: 4)
        let sb = bound(student.config, length: 13, scale: s.scale)
        #expect(abs(m.student_nll - s.nll) <= sb, "student NLL \(m.student_nll) vs \(s.nll) (bound \(sb))")
        #expect(abs(m.teacher_nll - m.student_nll) > 0.1, "the two models score the samples differently")
        #expect(m.samples == 20 && m.tokens == 9 && m.prompt_length == 4 && m.draft_prompts == 2 && m.acceptance_rate != nil)
        let heads = sequences.map { Array($0.prefix(4)) }
        #expect(heads == prompts, "each sample continues its validation prompt")
    }

    /// Greedy drafts of the teacher itself are all accepted: acceptance 1, and C = 15 tokens in rounds of K + 1 = 5.
    @Test func aStudentIdenticalToTheTeacherIsAPerfectDraft() throws {
        let corpus = try CharCorpus()
        let file = gpt(corpus.vocabulary.count, layers: 2, seed: 3)
        let o = GenerationMetricsOptions(samples: 4, prompt_length: 1, tokens: 15, draft_prompts: 3, draft_tokens: 4, seed: 11)
        let m = try #require(try measureGeneration(student: net(file), teacher: net(file), validation: corpus.val, options: o))
        #expect(m.acceptance_rate == 1 && m.tokens_per_target_call == 5, "\(m)")
        #expect(m.draft_skipped == nil && m.draft_prompts == 3)
    }

    @Test func seededRunsAreIdenticalAndNZeroDisables() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        let teacher = net(gpt(v, layers: 2, seed: 2)), student = net(gpt(v, seed: 1))
        func run(_ seed: UInt64, samples: Int = 8) throws -> GenerationMetrics? {
            var m = try measureGeneration(student: student, teacher: teacher, validation: corpus.val,
                                          options: GenerationMetricsOptions(samples: samples, prompt_length: 3, tokens: 10, seed: seed))
            m?.seconds = 0
            return m
        }
        let a = try #require(try run(5))
        #expect(try run(5) == a, "the same seed measures the same")
        #expect(try run(6)?.teacher_nll != a.teacher_nll, "another seed draws other prompts and samples")
        #expect(try run(5, samples: 0) == nil, "N = 0 measures nothing")
    }

    /// An ensemble has no single target to verify drafts: its NLL is measured, the draft figures are skipped.
    @Test func anEnsembleTeacherHasNoDraftFigures() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        let ensemble = try EnsembleTeacher([OnlineTeacher(gpt(v, seed: 2)), OnlineTeacher(gpt(v, layers: 2, seed: 4))])
        let m = try #require(try measureGeneration(student: net(gpt(v, seed: 1)), teacher: ensemble, validation: corpus.val,
                                                   options: GenerationMetricsOptions(samples: 4, prompt_length: 2, tokens: 5)))
        #expect(m.acceptance_rate == nil && m.tokens_per_target_call == nil && m.teacher_nll.isFinite)
        #expect(m.draft_skipped?.contains("ensemble") == true, "\(m.draft_skipped ?? "nil")")
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func badValuesAreOneClearError() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        let teacher = net(gpt(v, layers: 2, seed: 2)), student = net(gpt(v, seed: 1))
        func measure(_ o: GenerationMetricsOptions) -> String {
            message { _ = try measureGeneration(student: student, teacher: teacher, validation: corpus.val, options: o) }
        }
        #expect(measure(GenerationMetricsOptions(samples: -1)) ==
                "distill: generation_samples: expected N in 0...4096 student samples (0 disables the generation metrics), found -1")
        #expect(measure(GenerationMetricsOptions(samples: 4, prompt_length: 4, tokens: 13)) ==
                "distill: generation_tokens: expected a continuation of 1...12 tokens (the prompt's 4 + the continuation ≤ the block size 16), found 13")
        var c = DistillConfig()
        c.generation_samples = -3
        #expect(message { try c.validate() }.hasPrefix("distill: generation_samples: expected N in 0...4096"))
        c.generation_samples = 8; c.generation_tokens = 0
        #expect(message { try c.validate() } == "distill: generation_tokens: expected a continuation length ≥ 1, found 0")
    }

    /// A tiny soft distillation on text: fixed α and T, a few steps.
    func config() -> DistillConfig {
        var c = DistillConfig()
        c.alpha = .fixed(1); c.temperature = .fixed(1)
        c.train.steps = 4; c.train.epochs = 0; c.train.batch_size = 4; c.train.eval_every = 0; c.train.eval_batches = 2
        c.train.warmup_steps = 1; c.train.checkpoint_every = 0
        return c
    }

    /// distill reports the final student's and the baseline's metrics with the default N and C (clipped to the block:
    /// P = 16 / 4 = 4, C = 16 − 4 = 12); N = 0 reports none; a C set beyond the block is refused before training.
    @Test func distillReportsTheMetrics() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        func run(_ c: DistillConfig) throws -> DistillDetails {
            let (_, r) = try distill(student: gpt(v, seed: 1), teacher: gpt(v, layers: 2, seed: 2), config: c, data: .text(corpus),
                                     run: DistillRunOptions(runDir: TestSupport.tempDir("gen-distill").path, quiet: true))
            return try DistillDetails(report: r)
        }
        var c = config()
        c.baseline = "scratch"
        let d = try run(c)
        let g = try #require(d.generation), b = try #require(d.baseline_generation)
        #expect(g.samples == 64 && g.prompt_length == 4 && g.tokens == 12 && g.acceptance_rate != nil && g.teacher_nll.isFinite)
        #expect(b.samples == 64 && b.teacher_nll != g.teacher_nll)
        var off = config()
        off.generation_samples = 0
        #expect(try run(off).generation == nil)
        var long = config()
        long.generation_tokens = 13
        let dir = TestSupport.tempDir("gen-distill-long")
        let e = message {
            _ = try distill(student: gpt(v, seed: 1), teacher: gpt(v, layers: 2, seed: 2), config: long, data: .text(corpus),
                            run: DistillRunOptions(runDir: dir.path, quiet: true))
        }
        #expect(e == "distill: generation_tokens: expected a continuation of 1...12 tokens (the prompt's 4 + the continuation ≤ the block size 16), found 13")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("final").path), "nothing was trained")
    }

    /// A comparison on text carries each method's generation metrics (from its own distill details), so the report can
    /// set the teacher's NLL of each student's samples beside its validation loss.
    @Test func aTextComparisonCarriesEachMethodsGenerationMetrics() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        var c = config()
        c.compare = ["on-policy", "finetune"]
        c.alpha = .auto  // a soft-only key: compare lists no soft
        c.prompt_length = 4; c.continuation_length = 8; c.lambda = 1
        let dir = TestSupport.tempDir("gen-compare").path
        let (_, r) = try distill(student: gpt(v, seed: 1), teacher: gpt(v, layers: 2, seed: 2), config: c, data: .text(corpus),
                                 run: DistillRunOptions(runDir: dir, quiet: true))
        let cmp = try #require(try DistillDetails(report: r).comparison)
        #expect(cmp.methods.map(\.method) == ["on-policy", "finetune"])
        for m in cmp.methods {
            let g = try #require(m.generation, "\(m.method) has no generation metrics")
            #expect(g.samples == 64 && g.teacher_nll.isFinite && g.teacher_nll > 0 && g.acceptance_rate != nil, "\(m.method): \(g)")
        }
        // Two different students (one trained on its own samples, one on the data) write different text.
        #expect(cmp.methods[0].generation!.teacher_nll != cmp.methods[1].generation!.teacher_nll)
    }

    /// `condense distill` prints the metrics; a bad N or C is one line on stderr, exit 1, nothing written.
    @Test func theCommandPrintsTheMetricsAndRefusesBadValues() throws {
        let dir = TestSupport.tempDir("gen-cli")
        let v = try CharCorpus().vocabulary.count
        let (s, t) = (dir.appendingPathComponent("s.h5").path, dir.appendingPathComponent("t.h5").path)
        try gpt(v, seed: 1).write(to: s)
        try gpt(v, layers: 2, seed: 2).write(to: t)
        let out = dir.appendingPathComponent("o.h5").path
        let base = ["distill", s, "--teacher", t, "-o", out, "--steps", "4", "--batch-size", "2", "--alpha", "1",
                    "--temperature", "1", "--eval-batches", "2"]
        let cases: [([String], String)] = [
            (["--generation-samples=-1"],
             "distill: --generation-samples: expected N in 0...4096 student samples (0 disables the generation metrics), found -1"),
            (["--generation-tokens", "0"], "distill: --generation-tokens: expected a continuation length ≥ 1, found 0"),
            (["--generation-tokens", "20"],
             "distill: generation_tokens: expected a continuation of 1...12 tokens (the prompt's 4 + the continuation ≤ the block size 16), found 20"),
        ]
        for (extra, line) in cases {
            let r = try TestSupport.condense(base + extra)
            #expect(r.status == 1 && r.stderr == "condense: error: \(line)\n", "\(extra): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        let r = try TestSupport.condense(base + ["--generation-samples", "8"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("  generation: teacher NLL ") && r.stdout.contains("of 8 samples × 12 tokens"), "\(r.stdout)")
    }
}
