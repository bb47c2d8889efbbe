// SpeculativeTests: greedy speculative output is the target's greedy output; sampled output has the target's distribution.
import CondenseCore
import Foundation
import Testing
@testable import Generate

@Suite struct SpeculativeTests {
    /// The target plus N(0, σ²·w²)-scaled noise on every weight: σ small is a good draft, large a poor one.
    func perturbed(_ cfg: GPTConfig, seed: UInt64, noise: Float) -> GPT {
        let net = Fixture.gpt(cfg, seed: seed)
        var rng = RNG(seed: 99)
        for t in net.params.values { for i in 0..<t.count { t.data[i] += noise * abs(t.data[i]) * rng.normal() } }
        return net
    }

    @Test(arguments: [ContextPolicy.shift, .crop])
    func greedyIsTheTargetsGreedyOutput(policy: ContextPolicy) throws {
        let cfg = Fixture.config(block: 12)
        let target = Fixture.gpt(cfg, seed: 21)
        let drafts: [(String, GPT)] = [("good", perturbed(cfg, seed: 21, noise: 0.05)),
                                       ("poor", perturbed(cfg, seed: 21, noise: 1.0)),
                                       ("random", Fixture.gpt(Fixture.config(layers: 1, heads: 2, headDim: 8, embd: 16, ffn: 16, block: 12), seed: 5))]
        let gen = GenerationOptions(tokens: 40, sampling: .greedy, policy: policy)   // 40 tokens: past block 12
        let prompt: [Int32] = [3, 1, 4, 1, 5]
        let alone = try generate(target, prompts: [prompt], options: gen).ids[0]
        var rates: [String: Double] = [:]
        for (name, d) in drafts {
            for k in [1, 3, 5] {
                let r = try speculativeGenerate(target: DecodeEngine(target, batch: 1), draft: DecodeEngine(d, batch: 1),
                                                prompt: prompt, options: SpeculativeOptions(generation: gen, draftTokens: k))
                #expect(r.ids == alone, "\(name) draft, K = \(k), \(policy)")
                #expect(r.accepted <= r.proposed && r.tokens_per_target_call >= 1)
                if k == 3 { rates[name] = r.acceptance_rate }
            }
        }
        if policy == .shift { #expect(rates["good"]! > rates["random"]!, "\(rates)") }
    }

    /// The time breakdown: draft, verification and restart time are parts of the decode time; restarts cost nothing
    /// within the block and something past it; the per-call means are the totals over the non-restart calls.
    @Test func theTimeBreakdownAddsUp() throws {
        let cfg = Fixture.config(block: 12)
        let target = Fixture.gpt(cfg, seed: 21), draft = perturbed(cfg, seed: 21, noise: 0.05)
        let prompt: [Int32] = [3, 1, 4]
        for (tokens, pastBlock) in [(8, false), (40, true)] {
            let gen = GenerationOptions(tokens: tokens, sampling: .greedy, policy: .shift)
            let r = try speculativeGenerate(target: DecodeEngine(target, batch: 1), draft: DecodeEngine(draft, batch: 1),
                                            prompt: prompt, options: SpeculativeOptions(generation: gen, draftTokens: 3))
            #expect(r.draft_ms > 0 && r.verify_ms > 0 && r.draft_ms + r.verify_ms + r.restart_ms <= r.decode_ms)
            #expect(pastBlock ? r.restart_ms > 0 : r.restart_ms == 0, "\(tokens) tokens: restart_ms \(r.restart_ms)")
            #expect(r.verify_ms_per_call * Double(r.target_calls) >= r.verify_ms * (1 - 1e-12))
            #expect(r.draft_ms_per_step * Double(r.draft_calls) >= r.draft_ms * (1 - 1e-12))
            let alone = try generate(DecodeEngine(target, batch: 1), prompts: [prompt], options: gen)
            #expect(pastBlock ? alone.restart_steps > 0 && alone.restart_ms > 0 : alone.restart_steps == 0 && alone.restart_ms == 0)
            #expect(alone.restart_ms <= alone.decode_ms)
        }
    }

    /// ≥ 20,000 seeded speculative samples of a 3-token continuation (V = 5: 125 outcomes) against the target's
    /// exact distribution of that continuation, by Pearson's chi-square. Cells with expected count < 5 are pooled.
    /// Threshold: the upper 1e-6 quantile of χ²(df), by the Wilson–Hilferty approximation
    /// df·(1 − 2/(9df) + z·√(2/(9df)))³ with z = 4.753 (its error is far below the margin at df ≈ 100). A correct
    /// sampler fails with probability 1e-6 (and the seeds are fixed); the planted rule, which resamples a
    /// rejection from p instead of norm(max(0, p − q)), shifts mass by O(0.1) per cell and so exceeds it.
    func chiSquare(rule: AcceptanceRule, samples: Int = 20_000) throws -> (stat: Double, threshold: Double, cells: Int) {
        let cfg = Fixture.config(layers: 1, heads: 2, headDim: 4, embd: 8, ffn: 16, block: 8, vocab: 5)
        let target = Fixture.gpt(cfg, seed: 1), draft = Fixture.gpt(cfg, seed: 2)
        let prompt: [Int32] = [1], v = 5, len = 3   // a one-token prompt: no prefill call per sample
        let sampling = SamplingOptions(temperature: 2, seed: 0)   // T = 2 flattens the tiny model: more cells to test
        let exact = exactDistribution(target, prompt: prompt, len: len, sampling: sampling)
        var counts = [Int](repeating: 0, count: exact.count)
        let te = DecodeEngine(target, batch: 1), de = DecodeEngine(draft, batch: 1)
        for s in 0..<samples {
            var o = SpeculativeOptions(generation: GenerationOptions(tokens: len, sampling: sampling), draftTokens: 2)
            o.generation.sampling.seed = UInt64(s)
            let r = try speculativeGenerate(target: te, draft: de, prompt: prompt, options: o, rule: rule)
            counts[r.ids.reduce(0) { $0 * v + Int($1) }] += 1
        }
        var stat = 0.0, cells = 0, pooledE = 0.0, pooledO = 0.0
        for (c, p) in exact.enumerated() {
            let e = p * Double(samples)
            if e < 5 { pooledE += e; pooledO += Double(counts[c]); continue }
            stat += (Double(counts[c]) - e) * (Double(counts[c]) - e) / e
            cells += 1
        }
        if pooledE > 0 { stat += (pooledO - pooledE) * (pooledO - pooledE) / pooledE; cells += 1 }
        let df = Double(cells - 1), z = 4.753
        let threshold = df * pow(1 - 2 / (9 * df) + z * (2 / (9 * df)).squareRoot(), 3)
        return (stat, threshold, cells)
    }

    /// P(x₁…x_len | prompt) for every continuation, index Σ xᵢ·V^(len−i), from full recomputation.
    func exactDistribution(_ net: GPT, prompt: [Int32], len: Int, sampling: SamplingOptions) -> [Double] {
        let v = net.outputs
        var out = [Double](repeating: 0, count: Int(pow(Double(v), Double(len))))
        func walk(_ seq: [Int32], _ prob: Double, _ index: Int) {
            if seq.count == prompt.count + len { out[index] = prob; return }
            let logits = Fixture.fullLogits(net, seq)
            var p = [Float](repeating: 0, count: v)
            logits.withUnsafeBufferPointer { l in
                p.withUnsafeMutableBufferPointer {
                    Sampler.distribution(l.baseAddress! + (seq.count - 1) * v, vocab: v, options: sampling, into: $0.baseAddress!)
                }
            }
            for x in 0..<v { walk(seq + [Int32(x)], prob * Double(p[x]), index * v + x) }
        }
        walk(prompt, 1, 0)
        return out
    }

    @Test func samplesHaveTheTargetsDistribution() throws {
        let (stat, threshold, cells) = try chiSquare(rule: .exact)
        #expect(cells >= 40, "only \(cells) cells after pooling")
        #expect(stat < threshold, "chi-square \(stat) ≥ threshold \(threshold)")
        print("speculative distribution: chi-square \(stat), threshold \(threshold), \(cells) cells")
    }

    @Test func aPlantedWrongAcceptanceRuleIsRejected() throws {
        // 5,000 samples suffice to expose it (and keep the debug-build test short); the threshold is derived the same way
        let (stat, threshold, _) = try chiSquare(rule: .resampleFromTarget, samples: 5_000)
        #expect(stat > threshold, "the planted rule passed: chi-square \(stat) < threshold \(threshold)")
        print("planted rule: chi-square \(stat), threshold \(threshold)")
    }

    @Test func aDraftWithAnotherVocabularyOrBlockIsAnError() throws {
        let cfg = Fixture.config()
        let t = DecodeEngine(Fixture.gpt(cfg, seed: 1), batch: 1)
        let opts = SpeculativeOptions(generation: GenerationOptions(tokens: 4, sampling: .greedy), draftTokens: 2)
        for (bad, word) in [(Fixture.config(vocab: 12), "vocab_size is 12 but the target's is 11"),
                            (Fixture.config(block: 8), "block_size is 8 but the target's is 16")] {
            let d = DecodeEngine(Fixture.gpt(bad, seed: 2), batch: 1)
            do { _ = try speculativeGenerate(target: t, draft: d, prompt: [1], options: opts); Issue.record("accepted \(bad)") }
            catch { #expect("\(error)".contains(word), "\(error)") }
        }
        var k0 = opts
        k0.draftTokens = 0
        #expect(throws: GenerateError.self) { try k0.validate() }
    }
}
