// CacheWindow and BatchState: what each sequence of a generation has cached, and its tokens and sampler.
import CondenseCore

/// The first token index a sequence's cache holds (its window start), or −1 before the first call.
struct CacheWindow {
    var start = -1

    /// The tokens to feed so that sequence b's cache holds ids[w..<n], with w the policy's window for predicting
    /// token n = ids.count. When the window moved, the cache is emptied and the whole window is the chunk
    /// (restarted = true). The chunk is empty when the cache already holds the window.
    mutating func chunk(for ids: [Int32], cache: KVCache, sequence b: Int, policy: ContextPolicy,
                        block: Int) -> (chunk: [Int32], restarted: Bool) {
        let n = ids.count, w = policy.windowStart(predicting: n, block: block)
        var restarted = false
        if w != start {
            cache.truncate(b, to: 0)
            start = w
            restarted = true
        }
        return (Array(ids[(w + cache.lengths[b])..<n]), restarted)
    }
}

/// Tokens, windows and samplers of a batch of sequences.
struct BatchState {
    var ids: [[Int32]]
    let promptLengths: [Int]
    var windows: [CacheWindow]
    var rngs: [RNG]
    let sampling: SamplingOptions
    let vocab: Int
    private var probs: [Float]

    init(prompts: [[Int32]], sampling: SamplingOptions, vocab: Int) {
        ids = prompts
        promptLengths = prompts.map(\.count)
        windows = Array(repeating: CacheWindow(), count: prompts.count)
        rngs = (0..<prompts.count).map { RNG(seed: sampling.seed &+ UInt64($0)) }
        self.sampling = sampling
        self.vocab = vocab
        probs = [Float](repeating: 0, count: vocab)
    }

    /// Draws sequence b's next token from logits (V) and appends it.
    mutating func sample(_ b: Int, _ logits: UnsafePointer<Float>) {
        let (v, o) = (vocab, sampling)
        let u = o.temperature == 0 ? 0 : rngs[b].uniform()   // greedy draws no random number
        let tok = probs.withUnsafeMutableBufferPointer { p -> Int32 in
            Sampler.distribution(logits, vocab: v, options: o, into: p.baseAddress!)
            return Sampler.draw(p.baseAddress!, vocab: v, u: u)
        }
        ids[b].append(tok)
    }

    var generated: [[Int32]] { zip(ids, promptLengths).map { Array($0.dropFirst($1)) } }
}
