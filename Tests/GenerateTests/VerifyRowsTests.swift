// VerifyRowsTests: a float verification forward over K + 1 rows gives bit for bit the logits of one-row decoding.
import CondenseCore
import Testing
@testable import Generate

@Suite struct VerifyRowsTests {
    /// Bits of logits rows (V each) as an array, so two runs compare exactly.
    func bits(_ logits: StepLogits, _ b: Int, _ count: Int) -> [[UInt32]] {
        (0..<count).map { i in (0..<logits.vocab).map { logits.row(b, i)[$0].bitPattern } }
    }

    /// Engine A takes the prompt, then K + 1 tokens in one call (a speculative verification); engine B the same
    /// prompt, then those tokens one call each (target-alone decoding). Every verified row must equal B's row bit
    /// for bit: the linear layers sum each output in an order independent of the row count, and LayerNorm, attention
    /// and GELU work row by row. Any row count up to 8 (K ≤ 7) and a two-sequence batch of ragged chunks (every call ≤ 8 rows).
    /// With `parallel`, the verifying engines run every attention call's (row, head) pairs on the kernels' thread pool
    /// while the one-row engines stay on one thread: the split must not change a bit.
    @Test(arguments: [(true, true, false), (false, true, false), (true, false, false), (true, true, true)])
    func verificationEqualsOneRowDecoding(bias: Bool, tied: Bool, parallel: Bool) {
        let cfg = Fixture.config(block: 24, bias: bias, tied: tied)   // n_head·head_dim = 36 ≠ n_embd = 24
        let net = Fixture.gpt(cfg, seed: 17)
        var rng = RNG(seed: 5)
        let prompt = Fixture.randomTokens(6, vocab: cfg.vocab_size, rng: &rng)
        for rows in 1...8 {
            let tokens = Fixture.randomTokens(rows, vocab: cfg.vocab_size, rng: &rng)
            let a = DecodeEngine(net, batch: 1), b = DecodeEngine(net, batch: 1)
            a.parallelAttentionWork = parallel ? 0 : .max; b.parallelAttentionWork = .max
            _ = a.extend([prompt]); _ = b.extend([prompt])
            let verified = bits(a.extend([tokens]), 0, rows)
            let stepped = tokens.map { bits(b.extend([[$0]]), 0, 1)[0] }
            #expect(verified == stepped, "K + 1 = \(rows) rows (bias \(bias), tied \(tied), parallel \(parallel))")
        }
        // A batch: sequence 0 verifies 5 rows while sequence 1 takes 3, in one call of 8 rows. The prompts (4 and 3
        // tokens) are prefilled in one call of 7 rows too: a prefill of more than 8 rows goes through sgemm, whose
        // keys and values differ from one-row decoding in the last bits.
        let t0 = Fixture.randomTokens(5, vocab: cfg.vocab_size, rng: &rng), t1 = Fixture.randomTokens(3, vocab: cfg.vocab_size, rng: &rng)
        let batched = DecodeEngine(net, batch: 2)
        batched.parallelAttentionWork = parallel ? 0 : .max
        let p0 = Array(prompt.prefix(4)), p1 = Array(prompt.prefix(3))
        _ = batched.extend([p0, p1])
        let out = batched.extend([t0, t1])
        let rows0 = bits(out, 0, 5), rows1 = bits(out, 1, 3)
        for (seq, p, t, rows) in [(0, p0, t0, rows0), (1, p1, t1, rows1)] {
            let single = DecodeEngine(net, batch: 1)
            single.parallelAttentionWork = .max
            _ = single.extend([p])
            #expect(t.map { bits(single.extend([[$0]]), 0, 1)[0] } == rows, "batched sequence \(seq)")
        }
    }
}
