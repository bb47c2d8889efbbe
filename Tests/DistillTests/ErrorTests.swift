// ErrorTests: bad input is one clear error: mismatched classes or vocabularies, bad α/T/divergence, a foreign cache.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Distill

@Suite struct ErrorTests {
    let w = Synthetic.weights(features: 16, classes: 4, seed: 3)

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func run(_ student: ModelFile, _ teacher: ModelFile, _ cfg: DistillConfig = DistillConfig(), data: TaskData? = nil) throws {
        _ = try distill(student: student, teacher: teacher, config: cfg, data: data ?? Synthetic.task(w: w),
                        run: DistillRunOptions(runDir: TestSupport.tempDir("err").path, quiet: true))
    }

    @Test func differentClassCountsAreRefused() {
        let m = message { try run(Synthetic.mlp(16, [8], 3, seed: 1), Synthetic.oracle(w: w, features: 16, classes: 4)) }
        #expect(m.contains("the student has 3 classes but the teacher has 4; distillation needs the same classes"), "\(m)")
    }

    @Test func differentVocabulariesAreRefused() throws {
        func gpt(_ v: Int) -> ModelFile {
            makeNetwork(.gpt(GPTConfig(n_layer: 1, n_head: 2, head_dim: 4, n_embd: 8, ffn_hidden: 16, block_size: 8,
                                       vocab_size: v, bias: true, tie_embeddings: true, dropout: 0)), seed: 1).modelFile()
        }
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        let m = message { try run(gpt(v - 4), gpt(v), data: .text(corpus)) }
        #expect(m.contains("the student's vocabulary has \(v - 4) tokens but the teacher's has \(v); distillation needs the same vocabulary"), "\(m)")
        var a = gpt(v), b = gpt(v)
        a.vocabulary = corpus.vocabulary.scalars.map { String($0) }
        b.vocabulary = a.vocabulary!.reversed()
        let m2 = message { try run(a, b, data: .text(corpus)) }
        #expect(m2.contains("the student's vocabulary differs from the teacher's at token 0"), "\(m2)")
    }

    @Test func badAlphaTemperatureAndDivergenceAreRefused() throws {
        var c = DistillConfig()
        c.alpha = .fixed(1.5)
        #expect(message { try c.validate() } == "distill: alpha: expected \"auto\" or a number in [0, 1], found 1.5")
        c = DistillConfig(); c.alpha = .fixed(-0.1)
        #expect(message { try c.validate() }.contains("alpha: expected \"auto\" or a number in [0, 1], found -0.1"))
        c = DistillConfig(); c.temperature = .fixed(0)
        #expect(message { try c.validate() } == "distill: temperature: expected \"auto\" or a number > 0, found 0.0")
        c = DistillConfig(); c.temperature_grid = [1, -2]
        #expect(message { try c.validate() }.contains("temperature_grid: expected values > 0"))
        c = DistillConfig(); c.augment = true; c.cache_teacher = true
        #expect(message { try c.validate() }.contains("--cache-teacher cannot be combined with --augment"))
        // Config files: an unknown divergence fails to decode, naming the value.
        var json = try JSONValue(encoding: DistillConfig())
        if case .object(var o) = json { o["divergence"] = .string("kl2"); json = .object(o) }
        let m = message { _ = try JSONDecoder().decode(DistillConfig.self, from: Data(json.description.utf8)) }
        #expect(m.contains("kl2"), "\(m)")
        #expect(Tuned("auto") == .auto && Tuned("0.5") == .fixed(0.5) && Tuned("x") == nil)
    }

    @Test func theCommandNamesAnUnknownDivergenceAndABadAlpha() throws {
        let r = try TestSupport.condense(["distill", "s.h5", "--teacher", "t.h5", "-o", "o.h5", "--divergence", "kl2"])
        #expect(r.status != 0 && r.stderr.contains("unknown divergence \"kl2\"; expected forward_kl, reverse_kl or jsd"), "\(r.stderr)")
        let r2 = try TestSupport.condense(["distill", "s.h5", "--teacher", "t.h5", "-o", "o.h5", "--alpha", "2"])
        #expect(r2.status != 0 && r2.stderr.contains("alpha: expected \"auto\" or a number in [0, 1], found 2.0"), "\(r2.stderr)")
        let r3 = try TestSupport.condense(["distill", "s.h5", "--teacher", "t.h5", "-o", "o.h5", "--temperature=-1"])
        #expect(r3.status != 0 && r3.stderr.contains("temperature: expected \"auto\" or a number > 0, found -1.0"), "\(r3.stderr)")
    }

    @Test func aCacheFromAnotherTeacherIsRefused() throws {
        let data = Synthetic.task(w: w)
        var cfg = DistillConfig()
        cfg.alpha = .fixed(1); cfg.temperature = .fixed(2); cfg.cache_teacher = true
        cfg.train.steps = 20; cfg.train.epochs = 0; cfg.train.batch_size = 32; cfg.train.eval_every = 0
        let cache = TestSupport.tempDir("cache").appendingPathComponent("c.h5").path
        cfg.cache_path = cache
        let teacher = Synthetic.oracle(w: w, features: 16, classes: 4)
        let student = Synthetic.mlp(16, [8], 4, seed: 1)
        // Built once, then reused by a second run with the same teacher, with identical results and no misses.
        let (a, ra) = try distill(student: student, teacher: teacher, config: cfg, data: data,
                                  run: DistillRunOptions(runDir: TestSupport.tempDir("c1").path, quiet: true))
        #expect(ra.details["cache"]?["reused"] == .bool(false) && ra.details["cache"]?["misses"]?.number == 0)
        let (b, rb) = try distill(student: student, teacher: teacher, config: cfg, data: data,
                                  run: DistillRunOptions(runDir: TestSupport.tempDir("c2").path, quiet: true))
        #expect(rb.details["cache"]?["reused"] == .bool(true))
        #expect(a.parameters["layers/0/weight"]!.array == b.parameters["layers/0/weight"]!.array)
        // Online gives the same model as the cache (full distributions are exact).
        var online = cfg; online.cache_teacher = false
        let (c, _) = try distill(student: student, teacher: teacher, config: online, data: data,
                                 run: DistillRunOptions(runDir: TestSupport.tempDir("c3").path, quiet: true))
        #expect(a.parameters["layers/0/weight"]!.array == c.parameters["layers/0/weight"]!.array)
        let other = Synthetic.oracle(w: w, features: 16, classes: 4, scale: 2)
        let m = message { try run(student, other, cfg, data: data) }
        #expect(m.contains("c.h5: teacher_digest: this teacher cache was made from a different teacher (cache digest \(modelDigest(teacher)), teacher digest \(modelDigest(other)))"), "\(m)")
    }

    @Test func theCommandNamesAnUnknownMethodAndOptionsOfAnotherMethod() throws {
        let base = ["distill", "s.h5", "--teacher", "t.h5", "-o", "o.h5"]
        let r = try TestSupport.condense(base + ["--method", "sequencee"])
        #expect(r.status != 0 && r.stderr.contains("distill: --method: expected \(DistillMethodName.allCases.map(\.rawValue).joined(separator: ", ")), found \"sequencee\""), "\(r.stderr)")
        let r2 = try TestSupport.condense(base + ["--hard-mix", "0.3"])
        #expect(r2.status != 0 && r2.stderr.contains("distill: --hard-mix: expected --method hard (the option applies to it only), found --method soft"), "\(r2.stderr)")
        let r3 = try TestSupport.condense(base + ["--method", "hard", "--alpha", "0.5"])
        #expect(r3.status != 0 && r3.stderr.contains("distill: --alpha: expected --method soft (the option applies to it only), found --method hard"), "\(r3.stderr)")
        let r4 = try TestSupport.condense(base + ["--method", "hard", "--hard-mix", "1.5"])
        #expect(r4.status != 0 && r4.stderr.contains("distill: --hard-mix: expected \"auto\" or a weight in [0, 1], found 1.5"), "\(r4.stderr)")
        let r5 = try TestSupport.condense(base + ["--teacher", "u.h5", "--teacher-weights", "1,2,3"])
        #expect(r5.status != 0 && r5.stderr.contains("distill: --teacher-weights: expected one weight per --teacher (2), found 3"), "\(r5.stderr)")
        let r6 = try TestSupport.condense(base + ["--teacher", "u.h5", "--teacher-weights", "1,-2"])
        #expect(r6.status != 0 && r6.stderr.contains("distill: --teacher-weights: expected finite weights ≥ 0, found -2.0"), "\(r6.stderr)")
        let r7 = try TestSupport.condense(["distill", "s.h5", "-o", "o.h5"])
        #expect(r7.status != 0 && r7.stderr.contains("--teacher: expected a teacher model file (repeat for an ensemble), found none"), "\(r7.stderr)")
    }

    /// A config (recipe) names the method's keys: another method's key that differs from its default is refused.
    @Test func aConfigWithAnotherMethodsKeyIsRefused() throws {
        var c = DistillConfig()
        c.hard_mix = .fixed(0.3)
        #expect(message { try c.validate() }.contains("distill: hard_mix: expected its default (0): it applies to method hard only, and the method is soft, found 0.3"),
                "\(message { try c.validate() })")
        c = DistillConfig(); c.method = .hard; c.temperature = .fixed(2)
        #expect(message { try c.validate() }.contains("distill: temperature: expected its default (\"auto\"): it applies to methods soft and on-policy only"),
                "\(message { try c.validate() })")
        var json = try JSONValue(encoding: DistillConfig())
        if case .object(var o) = json { o["method"] = .string("sequencee"); json = .object(o) }
        let m = message { _ = try JSONDecoder().decode(DistillConfig.self, from: Data(json.description.utf8)) }
        #expect(m.contains("sequencee"), "\(m)")
    }
}
