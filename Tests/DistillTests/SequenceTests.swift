// SequenceTests: sequence-level distillation: best-of-N keeps a planted best, the transfer set is reused only while
// its key matches, seeded runs are identical, and bad settings or a transfer text outside the vocabulary are refused.
import CondenseCore
import Foundation
import Generate
import Testing
import TestSupport
@testable import Distill

@Suite struct SequenceTests {
    func gpt(_ v: Int, layers: Int = 1, block: Int = 8, seed: UInt64) -> ModelFile {
        makeNetwork(.gpt(GPTConfig(n_layer: layers, n_head: 2, head_dim: 4, n_embd: 8, ffn_hidden: 16, block_size: block,
                                   vocab_size: v, bias: true, tie_embeddings: true, dropout: 0)), seed: seed).modelFile()
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func config() -> DistillConfig {
        var c = DistillConfig()
        c.method = .sequence
        c.prompt_length = 3; c.continuation_length = 5; c.samples_per_prompt = 3; c.transfer_tokens = 40
        c.train.steps = 6; c.train.epochs = 0; c.train.batch_size = 4; c.train.eval_every = 0; c.train.eval_batches = 2
        c.train.warmup_steps = 1; c.train.checkpoint_every = 0
        return c
    }

    /// The teacher's greedy continuation of a prompt, planted among random ones, has the best length-normalised
    /// log-likelihood (each of its tokens is the teacher's most likely), and best-of-N keeps it.
    @Test func bestOfNKeepsAPlantedBest() throws {
        let v = 11
        let teacher = gpt(v, seed: 4)
        for p in teacher.parameters.values { p.scale(3) }  // a peaked teacher
        let net = makeNetwork(teacher) as! GPT
        let prompt: [Int32] = [1, 5, 2]
        var greedy = SamplingOptions(); greedy.temperature = 0
        let best = prompt + (try Generate.generate(net, prompts: [prompt], options: GenerationOptions(tokens: 5, sampling: greedy))).ids[0]
        var rng = RNG(seed: 3)
        var candidates = (0..<4).map { _ in prompt + (0..<5).map { _ in Int32(rng.below(v)) } }
        candidates.insert(best, at: 2)
        let scores = try TransferSet.score(candidates, scorer: OnlineTeacher(teacher), promptLength: 3)
        #expect(bestOfN(scores) == 2, "scores \(scores)")
        #expect(bestOfN([1, 3, 3, 2]) == 1, "ties keep the first")
    }

    @Test func theTransferSetIsReusedOnlyWhileItsKeyMatches() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        let teacher = gpt(v, layers: 2, seed: 2), student = gpt(v, seed: 1)
        let dir = TestSupport.tempDir("transfer").path
        let scorer = OnlineTeacher(teacher)
        func prepare(_ c: DistillConfig) throws -> (TransferSet, TransferSummary) {
            try TransferSet.prepare(c, teachers: [teacher], scorer: scorer, student: student, data: .text(corpus), dir: dir)
        }
        let (a, sa) = try prepare(config())
        #expect(sa.origin == "generated" && a.count == 8 && a.length == 8, "⌈40 / 5⌉ = 8 prompts of 3 + 5 tokens")
        // Each kept sequence starts with a prompt from the training split, and its score is the teacher's.
        #expect(try TransferSet.score((0..<a.count).map { Array(a.tokens[($0 * 8)..<($0 * 8 + 8)]) }, scorer: scorer, promptLength: 3) == a.scores)
        let (b, sb) = try prepare(config())
        #expect(sb.origin == "reused" && b == a)
        var hotter = config(); hotter.generate_temperature = 2
        let (c, sc) = try prepare(hotter)
        #expect(sc.origin == "generated" && c.key != a.key, "another temperature is another key")
        var other = config(); other.seed = 5
        #expect(try prepare(other).1.origin == "generated")
        #expect(try prepare(other).1.origin == "reused")
    }

    @Test func seededSequenceRunsAreIdentical() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        func run(_ c: DistillConfig) throws -> ([Float], DistillDetails) {
            let (m, r) = try distill(student: gpt(v, seed: 1), teacher: gpt(v, layers: 2, seed: 2), config: c, data: .text(corpus),
                                     run: DistillRunOptions(runDir: TestSupport.tempDir("seq-seed").path, quiet: true))
            return (m.parameters.keys.sorted().flatMap { m.parameters[$0]!.array }, try DistillDetails(report: r))
        }
        let (a, da) = try run(config())
        let (b, _) = try run(config())
        #expect(a == b, "the same seed gives the same transfer set and the same model")
        #expect(da.method == .sequence && da.transfer?.origin == "generated" && da.transfer?.sequences == 8 && da.chosen == nil)
        // Equal budget: a step feeds ⌈4 windows · 8 tokens / 7⌉ = 5 sequences of 7 inputs (35 tokens, ≥ the 32 of a
        // data batch and less than one sequence more), so 6 steps see 210 tokens.
        #expect(da.seen == 6 * 5 * 7, "tokens seen: \(da.seen)")
    }

    @Test func badSequenceSettingsAndTextsAreRefused() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        let teacher = gpt(v, layers: 2, seed: 2), student = gpt(v, seed: 1)
        var c = config(); c.samples_per_prompt = 0
        #expect(message { try c.validate() } == "distill: samples_per_prompt: expected N ≥ 1 samples per prompt, found 0")
        func prepare(_ c: DistillConfig) -> String {
            message { _ = try TransferSet.prepare(c, teachers: [teacher], scorer: OnlineTeacher(teacher), student: student,
                                                  data: .text(corpus), dir: TestSupport.tempDir("seq-bad").path) }
        }
        c = config(); c.prompt_length = 8
        #expect(prepare(c) == "distill: prompt_length: expected a prompt shorter than the block size (8), found 8")
        c = config(); c.continuation_length = 6
        #expect(prepare(c).contains("continuation_length: expected prompt_length + continuation_length ≤ the teacher's block size (8)"))
        let text = TestSupport.tempDir("seq-text").appendingPathComponent("t.txt")
        try "To be, or not to be\u{00A7} that".write(to: text, atomically: true, encoding: .utf8)
        c = config(); c.transfer_set = text.path
        #expect(prepare(c) == "\(text.path): character \"\u{00A7}\" (U+00A7) at offset 19 is not in the model's vocabulary", "\(prepare(c))")
        try "To be, or not to be, that is the question".write(to: text, atomically: true, encoding: .utf8)
        let ok = try TransferSet.prepare(c, teachers: [teacher], scorer: OnlineTeacher(teacher), student: student, data: .text(corpus),
                                         dir: TestSupport.tempDir("seq-ok").path)
        #expect(ok.1.origin == "text" && ok.0.count == 5 && ok.0.promptLength == 0, "41 characters: 5 sequences of 8")
        let w = Synthetic.weights(features: 16, classes: 4, seed: 3)
        let m = message {
            _ = try distill(student: Synthetic.mlp(16, [8], 4, seed: 1), teacher: Synthetic.oracle(w: w, features: 16, classes: 4),
                            config: config(), data: Synthetic.task(w: w), run: DistillRunOptions(runDir: TestSupport.tempDir("seq-img").path, quiet: true))
        }
        #expect(m.contains("method: expected soft or hard for a classifier (the sequence method writes text), found sequence"), "\(m)")
        let r = try TestSupport.condense(["distill", "s.h5", "--teacher", "t.h5", "-o", "o.h5", "--method", "sequence", "--samples-per-prompt", "0"])
        #expect(r.stderr.contains("distill: --samples-per-prompt: expected N ≥ 1 samples per prompt, found 0"), "\(r.stderr)")
        let r2 = try TestSupport.condense(["distill", "s.h5", "--teacher", "t.h5", "-o", "o.h5", "--prompt-length", "4"])
        #expect(r2.stderr.contains("distill: --prompt-length: expected --method sequence or --method on-policy (the option applies to them only), found --method soft"), "\(r2.stderr)")
    }
}
