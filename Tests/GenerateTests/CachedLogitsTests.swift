// CachedLogitsTests: the engine's logits (prefill, ragged multi-token extends, one-token steps) against full recomputation.
import CondenseCore
import Testing
@testable import Generate

@Suite struct CachedLogitsTests {
    /// Three sequences of different final lengths fed in ragged chunks (0–3 tokens per call, one sequence often
    /// idle); every new row is compared with GPT.forward on that sequence's prefix. Returns the largest error.
    func maxError(_ net: GPT, seed: UInt64) -> Float {
        let v = net.config.vocab_size, block = net.config.block_size
        var rng = RNG(seed: seed)
        let seqs = [block, 7, block - 3].map { Fixture.randomTokens($0, vocab: v, rng: &rng) }
        let refs = seqs.map { Fixture.fullLogits(net, $0) }
        let engine = DecodeEngine(net, batch: seqs.count)
        var fed = [1, 5, 9]   // ragged prompts as the first call
        var chunks = seqs.enumerated().map { Array($1.prefix(fed[$0])) }
        var worst: Float = 0
        while true {
            let start = engine.cache.lengths
            let logits = engine.extend(chunks)
            for b in 0..<seqs.count {
                for i in 0..<chunks[b].count {
                    let pos = start[b] + i
                    worst = max(worst, Fixture.relativeError(logits.row(b, i), refs[b][(pos * v)..<((pos + 1) * v)]))
                }
            }
            if fed == seqs.map(\.count) { break }
            chunks = (0..<seqs.count).map { b in
                let n = min(rng.below(4), seqs[b].count - fed[b])
                defer { fed[b] += n }
                return Array(seqs[b][fed[b]..<(fed[b] + n)])
            }
        }
        #expect(engine.cache.lengths == seqs.map(\.count))
        return worst
    }

    // The bound. Both paths compute the same sums in another order (sgemv or a smaller sgemm against the
    // full-window sgemm; attention as per-row dot products against per-head sgemm). Each length-K dot product
    // then differs by at most about K·ε·Σ|aᵢbᵢ| (K ≤ 40 here, ε = 2⁻²⁴ ≈ 6e-8): 2.4e-6 of the row's scale per
    // layer in the worst case, and the random-walk estimate √K·ε ≈ 4e-7. The two blocks and the head compound
    // it through LayerNorm (whose gain here is O(1)), so 1e-5 relative to the row's largest logit holds with
    // room. For int8, the kernels are exact integer arithmetic on the same quantized rows, and quantization is
    // per row (dynamic): the only difference is the float input of each quantization, so the bound is the same
    // unless a value lands within that error of a rounding boundary (measured below: it does not on these seeds).
    @Test(arguments: [(false, true, true), (false, false, true), (false, true, false),
                      (true, true, true), (true, false, true), (true, false, false)])
    func cachedEqualsFullRecompute(int8: Bool, bias: Bool, tied: Bool) {
        let cfg = Fixture.config(bias: bias, tied: tied)   // n_head·head_dim = 36 ≠ n_embd = 24
        let net = Fixture.gpt(cfg, seed: 7, int8: int8)
        #expect(net.isQuantized == int8)
        let e = maxError(net, seed: 11)
        #expect(e <= 1e-5, "max relative error \(e) (int8 \(int8), bias \(bias), tied \(tied))")
        print("cached vs full recompute: int8 \(int8) bias \(bias) tied \(tied): max relative error \(e)")
    }

    /// The engine reads the network's parameter tensors in place: an update after the engine is made is seen.
    @Test func engineSeesUpdatedWeights() {
        let net = Fixture.gpt(Fixture.config(), seed: 3)
        let engine = DecodeEngine(net, batch: 1)
        let ids: [Int32] = [1, 2, 3]
        let before = Array(UnsafeBufferPointer(start: engine.extend([ids]).last(0), count: net.outputs))
        net.params["transformer/ln_f/weight"].data[0] += 1
        engine.reset()
        let after = engine.extend([ids]).last(0)
        let ref = Fixture.fullLogits(net, ids)
        #expect(Fixture.relativeError(after, ref[(2 * net.outputs)...]) <= 1e-5)
        #expect((0..<net.outputs).contains { after[$0] != before[$0] })
    }
}
