// HiddenTests: the intermediate hidden-state loss: the pair loss and its projection against a float64 numpy
// reference, an end-to-end directional-derivative check through the GPT backward, weight 0 = the logits-only step.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Distill

@Suite struct HiddenTests {
    @Test func evenlySpacedMapping() {
        #expect(evenlySpacedMap(student: 3, teacher: 6) == [1, 3, 5])
        #expect(evenlySpacedMap(student: 6, teacher: 6) == [0, 1, 2, 3, 4, 5])
        #expect(evenlySpacedMap(student: 1, teacher: 4) == [3])
    }

    @Test(arguments: [HiddenLossKind.cosine, .mse])
    func pairLossAndProjectionMatchTheNumpyReference(kind: HiddenLossKind) throws {
        for (cs, ct) in [(4, 6), (5, 5)] {
            let rows = 5, proj = cs != ct
            let hs = Synthetic.randoms(rows * cs, seed: 1, scale: 1), ht = Synthetic.randoms(rows * ct, seed: 2, scale: 1)
            let w = proj ? Synthetic.randoms(ct * cs, seed: 3, scale: 0.5) : []
            var y = [Int32](repeating: 0, count: rows)
            y[1] = -1
            let count = rows - 1
            var dw = [Float](repeating: 0, count: ct * cs), dhs = [Float](repeating: .nan, count: rows * cs)
            var x = [Float](repeating: 0, count: rows * ct), dx = x
            let total = w.withUnsafeBufferPointer { wp in
                dw.withUnsafeMutableBufferPointer { dwp in
                    hiddenPairLoss(kind, hs: hs, ht: ht, w: proj ? wp.baseAddress! : nil, dw: proj ? dwp.baseAddress! : nil,
                                   rows: rows, cs: cs, ct: ct, counted: y, scale: 1 / Float(count), x: &x, dx: &dx, dhs: &dhs)
                }
            }
            // Bounds: float32 Swift (no BLAS; one order on every CPU) against float64 numpy, rows of ≤ 6 values of
            // N(0, 1), projection N(0, 0.5²). The pair loss is a mean over 4 rows of a 6-term reduction (MSE) or of a
            // cosine (three 6-term dots, a √ and a division): γ_6 + ~4u ≈ 6e-7 relative, so 1e-6·max(1, loss).
            // The gradients (x − y)/n or the cosine's (ŷ − cos·x̂)/|x| are O(1) values, each a few roundings of
            // 6-term dots: ≲ 10·γ_6 ≈ 4e-6, checked at 1e-5 absolute. Formula slips are O(0.1) or larger.
            let bin = TestSupport.tempDir("hidden-ref").appendingPathComponent("in.bin")
            try (hs + ht + w + y.map { Float($0) }).withUnsafeBytes { try Data($0).write(to: bin) }
            let out = try TestSupport.tool("distill_reference.py", ["hidden", bin.path, "\(rows)", "\(cs)", "\(ct)", kind.rawValue, proj ? "1" : "0"])
            let ref = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
            let refLoss = (ref["loss"] as! NSNumber).doubleValue
            #expect(abs(total / Double(count) - refLoss) <= 1e-6 * max(1, refLoss), "\(kind) \(cs)→\(ct): \(total / Double(count)) vs \(refLoss)")
            let gh = zip(dhs, (ref["grad_hs"] as! [NSNumber]).map(\.doubleValue)).map { abs(Double($0) - $1) }.max()!
            #expect(gh <= 1e-5, "\(kind) \(cs)→\(ct): largest dh_s error \(gh)")
            for j in 0..<cs { #expect(dhs[1 * cs + j] == 0, "an ignored row gets no gradient") }
            if proj {
                let gw = zip(dw, (ref["grad_w"] as! [NSNumber]).map(\.doubleValue)).map { abs(Double($0) - $1) }.max()!
                #expect(gw <= 1e-5, "\(kind) \(cs)→\(ct): largest dP error \(gw)")
            }
        }
    }

    func gpt(_ v: Int, layers: Int, embd: Int, seed: UInt64) -> GPT {
        makeNetwork(.gpt(GPTConfig(n_layer: layers, n_head: 2, head_dim: 4, n_embd: embd, ffn_hidden: 16, block_size: 8,
                                   vocab_size: v, bias: true, tie_embeddings: true, dropout: 0)), seed: seed) as! GPT
    }

    /// The whole objective (logits KL + CE + hidden loss through the projection and the GPT backward's injection), its
    /// analytic gradient against a central difference along a random direction, in Float32. Bound: with ε = 1e-3 the
    /// truncation error is ε²·|L‴|/6 ≈ 1e-7, and the float32 forward's rounding of L (about u·√(10·16)·|L| ≈ 1e-6·|L|
    /// for this 1-block GPT, ~10 reductions of length ≤ 16, on any CPU: FloatBounds.probableGamma at λ ≈ 1) divided by
    /// 2ε is ≈ 5e-4·|L|; the parameters' own rounding when shifted (u·|θ|/ε ≈ 2e-5) adds little. Allowed: 2% of |g·d|
    /// plus 2e-3 absolute, ~10× those; a gradient missing the hidden term or its projection is off by ≥ 10%.
    @Test(arguments: [HiddenLossKind.cosine, .mse])
    func gradientThroughTheStudentMatchesFiniteDifferences(kind: HiddenLossKind) throws {
        let v = 11, b = 2, t = 6
        let teacher = gpt(v, layers: 2, embd: 12, seed: 1), inner = gpt(v, layers: 1, embd: 8, seed: 2)
        // A teacher with larger weights, so that the hidden states differ clearly.
        for p in teacher.params.values { p.scale(5) }
        var cfg = DistillConfig()
        cfg.hidden_loss = kind; cfg.hidden_weight = 0.7
        let m = try HiddenMatcher(config: cfg, student: inner, teacher: teacher.config)
        #expect(m.hasProjection && m.pairs.map(\.teacher) == [1])
        let objective = DistillObjective(loss: DistillLoss(alpha: 0.6, temperature: 2), teacher: OnlineTeacher(net: teacher))
        objective.hidden = m
        var rng = RNG(seed: 5)
        let ids = (0..<(b * t)).map { _ in Int32(rng.below(v)) }, y = (0..<(b * t)).map { _ in Int32(rng.below(v)) }
        let dlogits = [Float](repeating: 0, count: b * t * v)
        func loss(backward: Bool) -> Double {
            ids.withUnsafeBufferPointer { ip in
                var r = RNG(seed: 0)
                let input = NetworkInput.tokens(ip.baseAddress!, batch: b, seq: t)
                let logits = inner.forward(input, training: true, rng: &r)
                var d = dlogits
                let l = objective.lossAndGradient(logits: logits, dlogits: &d, targets: y, input: input, rows: b * t, cols: v)
                if backward { inner.backward(dlogits: d) }
                return l
            }
        }
        let stores = [inner.params, m.projections!]
        for s in stores { s.zeroGrads() }
        _ = loss(backward: true)
        #expect(m.last > 0.01, "the hidden loss is not trivially zero: \(m.last)")
        let grads = stores.flatMap { $0.grads.map(\.array) }, values = stores.flatMap(\.values)
        let names = stores.flatMap(\.names)
        let eps: Float = 1e-3
        /// (L(θ + εd) − L(θ − εd)) / 2ε against g·d, for a unit direction d over the tensors `dirs` (others 0).
        func check(_ dirs: [Int: [Float]], _ what: String) {
            var g = 0.0
            for (i, d) in dirs { for j in d.indices { g += Double(grads[i][j]) * Double(d[j]) } }
            func shift(_ s: Float) { for (i, d) in dirs { let p = values[i]; for j in d.indices { p[j] += s * d[j] } } }
            shift(eps); let up = loss(backward: false)
            shift(-2 * eps); let down = loss(backward: false)
            shift(eps)
            let fd = (up - down) / (2 * Double(eps))
            #expect(abs(fd - g) <= 2e-2 * abs(g) + 2e-3, "\(kind) \(what): finite difference \(fd), analytic \(g)")
        }
        // Along the whole gradient (the derivative is ‖g‖), then along a random direction inside each tensor.
        let norm = grads.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + Double($1) * Double($1) } }.squareRoot()
        check(Dictionary(uniqueKeysWithValues: grads.enumerated().map { ($0.offset, $0.element.map { $0 / Float(norm) }) }), "along the gradient")
        for i in values.indices {
            var d = (0..<values[i].count).map { _ in rng.normal() }
            let n = d.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            d = d.map { $0 / n }
            check([i: d], names[i])
        }
        #expect(grads.last!.contains { $0 != 0 }, "the projection gets a gradient")
    }

    func textConfig(_ kind: HiddenLossKind, weight: Double) -> DistillConfig {
        var cfg = DistillConfig()
        cfg.alpha = .fixed(0.8); cfg.temperature = .fixed(2); cfg.hidden_loss = kind; cfg.hidden_weight = weight
        cfg.train.steps = 8; cfg.train.epochs = 0; cfg.train.batch_size = 4; cfg.train.eval_every = 0
        cfg.train.eval_batches = 2; cfg.train.warmup_steps = 2; cfg.train.checkpoint_every = 0
        return cfg
    }

    @Test func weightZeroIsTheLogitsOnlyStepAndTheProjectionIsDiscarded() throws {
        let corpus = try CharCorpus()
        let data = TaskData.text(corpus), v = corpus.vocabulary.count
        let teacher = gpt(v, layers: 2, embd: 12, seed: 1).modelFile(), student = gpt(v, layers: 1, embd: 8, seed: 2).modelFile()
        func params(_ cfg: DistillConfig) throws -> [Float] {
            let dir = TestSupport.tempDir("hw").path + "/run"
            _ = try trainStudent(copyOf: student, data: data, options: cfg.train, config: cfg,
                                 candidate: Candidate(alpha: 0.8, temperature: 2), teacher: OnlineTeacher(teacher),
                                 runDir: dir, resolved: .null, resume: false, quiet: true)
            let out = try ModelFile.read(dir + "/best.h5")
            #expect(!out.parameters.keys.contains { $0.hasPrefix("distill/") }, "the projection is not written")
            return out.parameters.keys.sorted().flatMap { out.parameters[$0]!.array }
        }
        let plain = try params(textConfig(.none, weight: 1))
        let zero = try params(textConfig(.cosine, weight: 0))
        let on = try params(textConfig(.cosine, weight: 1))
        #expect(plain == zero, "hidden weight 0 is bit for bit the logits-only run")
        #expect(plain != on, "a positive weight changes the run")
    }

    @Test func badHiddenSettingsAreRefused() throws {
        let w = Synthetic.weights(features: 16, classes: 4, seed: 3)
        var cfg = DistillConfig()
        cfg.hidden_loss = .cosine; cfg.train.steps = 4; cfg.train.epochs = 0; cfg.alpha = .fixed(1); cfg.temperature = .fixed(1)
        func message(_ body: () throws -> Void) -> String { do { try body(); return "no error" } catch { return "\(error)" } }
        let m = message {
            _ = try distill(student: Synthetic.mlp(16, [8], 4, seed: 1), teacher: Synthetic.oracle(w: w, features: 16, classes: 4),
                            config: cfg, data: Synthetic.task(w: w), run: DistillRunOptions(runDir: TestSupport.tempDir("hb").path, quiet: true))
        }
        #expect(m.contains("the hidden-state loss is implemented for GPT students"), "\(m)")
        var c2 = cfg; c2.cache_teacher = true
        #expect(message { try c2.validate() }.contains("the hidden-state loss needs the teacher's hidden states, which --cache-teacher does not keep"))
        var c3 = cfg; c3.hidden_map = [0, 1]
        let t = GPTConfig(n_layer: 4, n_head: 2, head_dim: 4, n_embd: 8, ffn_hidden: 16, block_size: 8, vocab_size: 5, bias: true,
                          tie_embeddings: true, dropout: 0)
        var s = t; s.n_layer = 3
        #expect(message { _ = try hiddenPairs(c3, student: s, teacher: t) }.contains("hidden_map: expected one teacher block per student block (3 entries"))
        c3.hidden_map = [0, 4, -1]
        #expect(message { _ = try hiddenPairs(c3, student: s, teacher: t) }.contains("expected teacher blocks in 0..<4"))
        c3.hidden_map = [-1, 2, 3]
        #expect(try hiddenPairs(c3, student: s, teacher: t).map(\.teacher) == [2, 3])
        var c4 = cfg; c4.hidden_weight = -1
        #expect(message { try c4.validate() }.contains("hidden_weight: expected a number ≥ 0"))
    }
}
