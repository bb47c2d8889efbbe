// ContextPolicy: which window of past tokens predicts the next one once a sequence outgrows block_size.
/// Within block_size both policies use the whole sequence, and cached decoding gives exactly the logits of full
/// recomputation. Past it:
/// - `crop` is nanoGPT's rule: token n is predicted from the last block_size tokens. The window moves by one
///   token every step, so every step recomputes the whole window (one prefill of block_size tokens per token):
///   the output is nanoGPT's, at nanoGPT's cost.
/// - `shift`: when the context would exceed block_size, the window restarts at the last `keep` tokens
///   (keep = block_size/2) with one re-prefill, and decoding continues on the cache until the window is full
///   again. It costs one prefill of `keep` tokens per block_size − keep + 1 tokens; the predictions after a
///   restart see a shorter context than nanoGPT's.
public enum ContextPolicy: String, Codable, CaseIterable, Sendable {
    case crop, shift

    /// Tokens kept by `shift` at a restart.
    public static func keep(block: Int) -> Int { max(1, block / 2) }

    /// The first index w of the window ids[w..<n] that predicts token n (so n − w ≤ block). A pure function of
    /// n, so a batch, a single decode and speculative decoding all see the same windows.
    public func windowStart(predicting n: Int, block: Int) -> Int {
        if n <= block { return 0 }
        switch self {
        case .crop: return n - block
        case .shift:
            // Restarts happen when n − w reaches block + 1, and leave n − w = keep: w grows by block + 1 − keep.
            let step = block + 1 - ContextPolicy.keep(block: block)
            let restarts = (n - block + step - 1) / step
            return restarts * step
        }
    }
}
