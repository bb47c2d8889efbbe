// DecodeEngine: the GPT forward over new tokens only (prefill, one-token decode, verification), on a KV cache.
import CondenseCore

/// Runs a `GPT` incrementally: each call appends a ragged chunk of tokens to each sequence of the batch and
/// returns the logits of every new position. The same call is the prompt's prefill (a long chunk), a decode
/// step (one token per sequence) and a speculative verification (K + 1 tokens).
///
/// The engine reads the network's parameter tensors in place, so a network that keeps training is sampled with
/// its current weights (no copy); the set of int8 layers is taken when the engine is made. Not thread-safe.
public final class DecodeEngine {
    public let net: GPT
    public let config: GPTConfig
    public let cache: KVCache
    let blocks: [BlockRef]
    let lnf: NormRef
    let head: LinearRef
    let wte: UnsafeMutablePointer<Float>, wpe: UnsafeMutablePointer<Float>
    var scratch = Scratch(rows: 0, config: nil)
    /// Multiply-adds of q·K over a call's rows and heads from which attention runs on the kernels' thread pool: a
    /// verification of a few rows or a long context (a one-row step over 64 positions of 8 × 32 heads is 16,384 and
    /// stays on one thread). The result does not depend on it; tests lower it to exercise the parallel path.
    public var parallelAttentionWork = 1 << 15

    /// An engine for `batch` sequences of up to `capacity` positions (default and maximum: block_size).
    public init(_ net: GPT, batch: Int, capacity: Int? = nil) {
        let cfg = net.config
        let cap = capacity ?? cfg.block_size
        precondition(cap >= 1 && cap <= cfg.block_size, "cache capacity \(cap) must lie in 1...block_size (\(cfg.block_size))")
        self.net = net
        config = cfg
        cache = KVCache(batch: batch, capacity: cap, layers: cfg.n_layer, heads: cfg.n_head, headDim: cfg.head_dim)
        blocks = (0..<cfg.n_layer).map { BlockRef(net, layer: $0) }
        lnf = NormRef(net, "transformer/ln_f")
        head = LinearRef(net, "lm_head", weight: cfg.tie_embeddings ? "transformer/wte/weight" : "lm_head/weight",
                         c: cfg.n_embd, oc: cfg.vocab_size)
        wte = net.params["transformer/wte/weight"].data
        wpe = net.params["transformer/wpe/weight"].data
    }

    public var batch: Int { cache.batch }
    public var capacity: Int { cache.capacity }
    public var vocabSize: Int { config.vocab_size }

    /// Appends chunks[b] (token ids in [0, V)) to sequence b at positions lengths[b]..<lengths[b] + count and
    /// returns their logits, valid until the next call. A sequence may get an empty chunk.
    public func extend(_ chunks: [[Int32]]) -> StepLogits {
        precondition(chunks.count == batch, "extend needs one chunk per sequence (\(batch)), found \(chunks.count)")
        var starts = [Int](), rows = 0
        for (b, ch) in chunks.enumerated() {
            precondition(cache.lengths[b] + ch.count <= capacity,
                         "sequence \(b): \(cache.lengths[b]) + \(ch.count) positions exceed the cache capacity \(capacity)")
            starts.append(rows)
            rows += ch.count
        }
        let out = StepLogits(base: UnsafePointer(scratch.logits.data), vocab: vocabSize, starts: starts, counts: chunks.map(\.count))
        guard rows > 0 else { return out }
        scratch.ensure(rows: rows, config: config)
        forward(chunks, rows: rows)
        for (b, ch) in chunks.enumerated() { cache.advance(b, by: ch.count) }
        return StepLogits(base: UnsafePointer(scratch.logits.data), vocab: vocabSize, starts: starts, counts: chunks.map(\.count))
    }

    /// Empties every sequence's cache.
    public func reset() { cache.reset() }

    /// The forward of N packed rows: (sequence, position) for row r from the chunks and the cache lengths.
    private func forward(_ chunks: [[Int32]], rows n: Int) {
        let s = scratch, c = config.n_embd
        var r = 0
        for (b, ch) in chunks.enumerated() {
            for (i, tok) in ch.enumerated() {
                precondition(tok >= 0 && Int(tok) < vocabSize, "token \(tok) outside the vocabulary [0, \(vocabSize))")
                s.rowSeq[r] = Int32(b); s.rowPos[r] = Int32(cache.lengths[b] + i)
                // x[r] (C) = wte[tok] + wpe[pos]
                Ops.add(s.x.data + r * c, wte + Int(tok) * c, wpe + Int(s.rowPos[r]) * c, c)
                r += 1
            }
        }
        for l in 0..<config.n_layer { blockForward(l, rows: n) }
        layerNormForward(out: s.ln.data, mean: s.mean.data, rstd: s.rstd.data, inp: s.x.data,
                         weight: lnf.weight, bias: lnf.bias, n: n, c: c)
        // ln_f (N,C) · headᵀ (C,V) → logits (N,V)
        head.forward(out: s.logits.data, inp: s.ln.data, rows: n)
    }

    /// Block l on the residual x (N,C) in place, as GPT.forward: x += attn(ln1(x)); x += mlp(ln2(x)).
    private func blockForward(_ l: Int, rows n: Int) {
        let s = scratch, w = blocks[l], c = config.n_embd
        layerNormForward(out: s.ln.data, mean: s.mean.data, rstd: s.rstd.data, inp: s.x.data,
                         weight: w.ln1.weight, bias: w.ln1.bias, n: n, c: c)
        // ln1 (N,C) → qkv (N,3A); k, v into the cache; → atty (N,A) → proj (N,C)
        w.attn.forward(out: s.qkv.data, inp: s.ln.data, rows: n)
        storeKeysValues(l, rows: n)
        cachedAttention(l, rows: n)
        w.attnProj.forward(out: s.proj.data, inp: s.atty.data, rows: n)
        Ops.add(s.x.data, s.x.data, s.proj.data, n * c)
        layerNormForward(out: s.ln.data, mean: s.mean.data, rstd: s.rstd.data, inp: s.x.data,
                         weight: w.ln2.weight, bias: w.ln2.bias, n: n, c: c)
        // ln2 (N,C) → gelu(fc) (N,F) → proj (N,C)
        w.fc.forward(out: s.fc.data, inp: s.ln.data, rows: n, gelu: true)
        w.fcProj.forward(out: s.proj.data, inp: s.fc.data, rows: n)
        Ops.add(s.x.data, s.x.data, s.proj.data, n * c)
    }
}

/// The logits of one `extend` call: rows[starts[b] ..< starts[b] + counts[b]] belong to sequence b.
public struct StepLogits {
    public let base: UnsafePointer<Float>
    public let vocab: Int
    public let starts: [Int], counts: [Int]

    /// Logits (V) of the i-th new position of sequence b.
    public func row(_ b: Int, _ i: Int) -> UnsafePointer<Float> {
        precondition(i >= 0 && i < counts[b])
        return base + (starts[b] + i) * vocab
    }

    /// Logits of sequence b's last new position.
    public func last(_ b: Int) -> UnsafePointer<Float> { row(b, counts[b] - 1) }
}
