// CacheTests: the top-k teacher cache (its documented missing-mass rule against tools/distill_reference.py, k = C
// equal to the full cache), the text cache end to end, and DistillConfig's round trip through a recipe's merge.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Distill

@Suite struct CacheTests {
    static let rows = 6, cols = 9

    /// What a top-k cache serves for teacher logits zt (rows, cols): the rebuilt rows of `reconstructLogits`.
    func served(_ zt: [Float], k: Int) -> [Float] {
        let (r, c) = (Self.rows, Self.cols)
        var out = [Float](repeating: 0, count: r * c), lp = [Float](repeating: 0, count: c)
        var v = [Float](repeating: 0, count: k), ix = [Int32](repeating: 0, count: k)
        for i in 0..<r {
            zt.withUnsafeBufferPointer { Ops.logSoftmaxRows(&lp, $0.baseAddress! + i * c, rows: 1, cols: c) }
            topKOf(lp, k: k, values: &v, indices: &ix)
            out.withUnsafeMutableBufferPointer { reconstructLogits(values: v, indices: ix, k: k, cols: c, out: $0.baseAddress! + i * c) }
        }
        return out
    }

    func loss(_ zs: [Float], _ zt: [Float], _ y: [Int32], alpha: Double, t: Double, div: Divergence) -> (DistillLossValue, [Float]) {
        var d = [Float](repeating: .nan, count: zs.count)
        let v = DistillLoss(alpha: alpha, temperature: t, divergence: div).compute(student: zs, teacher: zt, targets: y, rows: Self.rows,
                                                                                   cols: Self.cols, dlogits: &d)
        return (v, d)
    }

    @Test func topKPicksTheLargestInOrder() {
        let row: [Float] = [0.5, 3, -1, 3, 2, 7, 0, 1, -4, 2.5, 6, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7]
        for k in [1, 3, 5, row.count] {
            var v = [Float](repeating: 0, count: k), ix = [Int32](repeating: 0, count: k)
            topKOf(row, k: k, values: &v, indices: &ix)
            let want = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(k)
            #expect(ix.map(Int.init) == Array(want), "k=\(k)")
            #expect(v == want.map { row[$0] })
        }
        var c = DistillConfig()
        #expect(c.cacheTopK(outputs: 84) == nil && c.cacheTopK(outputs: 1024) == nil && c.cacheTopK(outputs: 50257) == 64)
        c.cache_top_k = 0
        #expect(c.cacheTopK(outputs: 50257) == nil)
        c.cache_top_k = 16
        #expect(c.cacheTopK(outputs: 84) == 16 && c.cacheTopK(outputs: 10) == 10)
    }

    @Test func topKWithKEqualToTheClassCountIsTheFullCache() {
        let (r, c) = (Self.rows, Self.cols)
        let zs = Synthetic.randoms(r * c, seed: 21), zt = Synthetic.randoms(r * c, seed: 22)
        let y = (0..<r).map { Int32($0 % c) }
        for div in Divergence.allCases {
            for t in [1.0, 4] {
                let (a, da) = loss(zs, zt, y, alpha: 0.8, t: t, div: div)
                let (b, db) = loss(zs, served(zt, k: c), y, alpha: 0.8, t: t, div: div)
                // The served teacher logits are the row's float32 log-softmax z − logZ: a shift that softmax cancels,
                // up to the rounding of each entry (u·|z_j − logZ| ≲ 15u for N(0, 3²) logits over 7 classes). At
                // temperature T that is a relative error ≲ 30u/T on each teacher probability, so the divergence moves by
                // ≲ T²·Σ p_t·(30u/T)·(1 + |log p_t/p_s|) ≲ 30u·T·11 and the gradient by ≲ 30u·T·2/count: both below
                // 1e-5 relative to max(1, |loss|) (resp. absolute) at T ≤ 4, LossTests' bound. The bug this catches
                // (a dropped class, a wrong missing-mass rule at k = V) is O(1).
                #expect(abs(a.loss - b.loss) <= 1e-5 * max(1, abs(a.loss)), "\(div) T=\(t): \(a.loss) vs \(b.loss)")
                #expect(zip(da, db).map { abs($0 - $1) }.max()! <= 1e-5, "\(div) T=\(t)")
            }
        }
    }

    @Test(arguments: [2, 4])
    func topKMissingMassRuleMatchesTheNumpyReference(k: Int) throws {
        let (r, c) = (Self.rows, Self.cols)
        for (i, div) in Divergence.allCases.enumerated() {
            for t in [1.0, 2, 8] {
                let zs = Synthetic.randoms(r * c, seed: UInt64(40 + i)), zt = Synthetic.randoms(r * c, seed: UInt64(50 + i))
                var y = (0..<r).map { Int32($0 % c) }
                y[3] = -1
                let (v, d) = loss(zs, served(zt, k: k), y, alpha: 0.7, t: t, div: div)
                let bin = TestSupport.tempDir("topk-ref").appendingPathComponent("in.bin")
                try (zs + zt + y.map { Float($0) }).withUnsafeBytes { try Data($0).write(to: bin) }
                let out = try TestSupport.tool("distill_reference.py", [bin.path, "\(r)", "\(c)", "0.7", "\(t)", div.rawValue, "0.5", "\(k)"])
                let ref = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
                let refLoss = (ref["loss"] as! NSNumber).doubleValue
                let refGrad = (ref["grad"] as! [NSNumber]).map(\.doubleValue)
                // float32 against float64 numpy, through the cache's log-softmax and the loss: LossTests' derivation
                // (≲ 2e-6 relative) with 5× room for the extra log-softmax and reconstruction of the served row.
                #expect(abs(refLoss - v.loss) <= 1e-5 * max(1, abs(refLoss)), "k=\(k) \(div) T=\(t): \(v.loss) vs \(refLoss)")
                let err = zip(d, refGrad).map { abs(Double($0) - $1) }.max()!
                #expect(err <= 1e-5, "k=\(k) \(div) T=\(t): largest gradient error \(err)")
            }
        }
    }

    // MARK: the text cache end to end

    func gpt(_ v: Int, layers: Int, embd: Int, seed: UInt64) -> ModelFile {
        makeNetwork(.gpt(GPTConfig(n_layer: layers, n_head: 2, head_dim: 4, n_embd: embd, ffn_hidden: 16, block_size: 8,
                                   vocab_size: v, bias: true, tie_embeddings: true, dropout: 0)), seed: seed).modelFile()
    }

    func textConfig(cache: String) -> DistillConfig {
        var cfg = DistillConfig()
        cfg.alpha = .fixed(1); cfg.temperature = .fixed(2); cfg.cache_teacher = true; cfg.cache_path = cache
        cfg.train.steps = 12; cfg.train.epochs = 0; cfg.train.batch_size = 4; cfg.train.eval_every = 0
        cfg.train.eval_batches = 2; cfg.train.warmup_steps = 2
        return cfg
    }

    @Test func textCacheIsExactFullAndCloseTopKAndStatesTheTimeSaved() throws {
        let corpus = try CharCorpus()
        let data = TaskData.text(corpus), v = corpus.vocabulary.count
        let teacher = gpt(v, layers: 2, embd: 8, seed: 1), student = gpt(v, layers: 1, embd: 8, seed: 2)
        func run(_ cfg: DistillConfig) throws -> (ModelFile, StageReport) {
            try distill(student: student, teacher: teacher, config: cfg, data: data,
                        run: DistillRunOptions(runDir: TestSupport.tempDir("tc").path, quiet: true))
        }
        let dir = TestSupport.tempDir("text-cache")
        var online = textConfig(cache: ""); online.cache_teacher = false
        let (o, _) = try run(online)
        // Full distributions (the default for 84 tokens): exactly the online run, then reused.
        let full = textConfig(cache: dir.appendingPathComponent("full.h5").path)
        let (a, ra) = try run(full)
        #expect(ra.details["cache"]?["kind"] == .string("full") && ra.details["cache"]?["misses"]?.number == 0)
        #expect(ra.details["cache"]?["seconds_saved"]?.number != nil && ra.details["cache"]?["rows_cached"]?.number == 12 * 4 * 8)
        #expect(a.parameters["transformer/h/0/mlp/c_fc/weight"]!.array == o.parameters["transformer/h/0/mlp/c_fc/weight"]!.array)
        let (_, rb) = try run(full)
        #expect(rb.details["cache"]?["reused"] == .bool(true) && rb.details["cache"]?["misses"]?.number == 0)
        // Top-k with k = V: the same distributions up to rounding.
        var kv = textConfig(cache: dir.appendingPathComponent("kv.h5").path); kv.cache_top_k = v
        let (b, rk) = try run(kv)
        #expect(rk.details["cache"]?["kind"] == .string("topk") && rk.details["cache"]?["top_k"]?.number == Double(v))
        let diff = zip(a.parameters["transformer/h/0/mlp/c_fc/weight"]!.array, b.parameters["transformer/h/0/mlp/c_fc/weight"]!.array)
            .map { abs($0 - $1) }.max()!
        // 12 AdamW steps from the same start: the two runs see teacher distributions equal up to float32 rounding
        // (≲ 30u/T relative, above), and an Adam step moves a weight by lr·m̂/(√v̂ + ε), about lr (the default 1e-3)
        // whatever the gradient's size, so gradients that differ by a relative δ move each step by ≲ lr·δ: ≲ 1e-8
        // over 12 steps. A wrong reconstruction changes the steps' directions, and 12 steps can then move a weight
        // by up to 12·lr = 1.2e-2; 1e-4 lies between the two with two orders of magnitude to each side.
        #expect(diff <= 1e-4, "k = V against the full cache: largest weight difference \(diff)")
        // Small k runs without misses; a cache of another kind is refused.
        var k8 = textConfig(cache: dir.appendingPathComponent("k8.h5").path); k8.cache_top_k = 8
        let (_, r8) = try run(k8)
        #expect(r8.details["cache"]?["misses"]?.number == 0)
        var wrong = k8; wrong.cache_top_k = 0
        do { _ = try run(wrong); Issue.record("a top-8 cache served a full-distribution run") } catch {
            #expect("\(error)".contains("this teacher cache holds top-8 log-probabilities but the run asks for the full distribution"), "\(error)")
        }
    }

    // MARK: recipes

    /// A recipe decodes DistillConfig by merging its overrides over JSONValue(encoding: DistillConfig()).
    func viaRecipe(_ overrides: JSONValue) throws -> DistillConfig {
        let doc = ConfigDocument(file: "recipe.yaml", tree: overrides)
        return try doc.decode(DistillConfig.self, from: try doc.merged(over: try JSONValue(encoding: DistillConfig())))
    }

    @Test func everyFieldRoundTripsThroughARecipeMerge() throws {
        #expect(try viaRecipe(.object([:])) == DistillConfig())
        var c = DistillConfig()
        c.alpha = .fixed(0.9); c.temperature = .fixed(4); c.divergence = .jsd; c.jsd_beta = 0.3
        c.alpha_grid = [0.5, 1]; c.temperature_grid = [1, 3]; c.search_share = 0.1; c.search_eta = 3
        c.augment = true; c.shift_pixels = 1; c.mixup_prob = 0.25; c.cache_teacher = false; c.cache_path = "/tmp/c.h5"
        c.cache_top_k = 32; c.hidden_loss = .mse; c.hidden_weight = 0.5; c.hidden_map = [1, -1, 5]; c.baseline = "scratch"
        c.train.steps = 77; c.train.epochs = 0; c.train.batch_size = 16; c.train.lr = 3e-4; c.seed = 42
        let all = try JSONValue(encoding: c)
        #expect(try viaRecipe(all) == c, "the whole config as overrides")
        // Every key of the encoded defaults is decoded (none is silently dropped): change each one alone.
        guard case .object(let keys) = try JSONValue(encoding: DistillConfig()) else { Issue.record("not an object"); return }
        for key in keys.keys where key != "train" {
            guard case .object(let o) = all, let value = o[key] else { continue }
            let one = try viaRecipe(.object([key: value]))
            #expect(try JSONValue(encoding: one)[key] == value, "\(key)")
        }
        #expect(try viaRecipe(.object(["alpha": .string("auto"), "hidden_loss": .string("cosine")])).hidden_loss == .cosine)
    }
}
