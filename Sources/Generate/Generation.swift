// Generation: batched sampling of continuations of ragged prompts through a DecodeEngine (the public entry point).
import CondenseCore
import Foundation

public struct GenerationOptions: Codable, Equatable, Sendable {
    /// New tokens per sequence, in 1...maxTokensLimit.
    public var tokens: Int = 200
    public var sampling = SamplingOptions()
    public var policy: ContextPolicy = .shift

    public static let maxTokensLimit = 1_000_000

    public init(tokens: Int = 200, sampling: SamplingOptions = SamplingOptions(), policy: ContextPolicy = .shift) {
        self.tokens = tokens; self.sampling = sampling; self.policy = policy
    }

    public func validate() throws {
        guard tokens >= 1, tokens <= GenerationOptions.maxTokensLimit else {
            throw GenerateError("--tokens must lie in 1...\(GenerationOptions.maxTokensLimit), found \(tokens)")
        }
        try sampling.validate()
    }
}

/// What a generation produced, and how long it took.
public struct GenerationResult: Codable, Equatable, Sendable {
    /// The generated token ids of each sequence (prompts excluded).
    public var ids: [[Int32]]
    /// The first engine call: every prompt in one forward, and the first token sampled.
    public var prefill_ms: Double
    /// Every later step (one token per sequence each, plus any window restarts).
    public var decode_ms: Double
    /// Generated tokens (all sequences) per second of prefill + decode.
    public var tokens_per_s: Double
    /// Decode time per step, where a step gives every sequence one token.
    public var ms_per_token: Double
    /// Engine calls, and positions recomputed by window restarts (re-prefills past block_size).
    public var engine_calls: Int
    public var recomputed_positions: Int
    /// The steps that re-prefilled a moved window, and the part of decode_ms they took.
    public var restart_steps: Int
    public var restart_ms: Double
}

/// Continues each prompt by `options.tokens` tokens, all sequences decoded together on `engine` (whose batch
/// is prompts.count). Sequence b samples from RNG(seed &+ b), so it gets the tokens it would get alone.
public func generate(_ engine: DecodeEngine, prompts: [[Int32]], options: GenerationOptions) throws -> GenerationResult {
    try options.validate()
    try checkPrompts(prompts, engine: engine)
    var state = BatchState(prompts: prompts, sampling: options.sampling, vocab: engine.vocabSize)
    engine.reset()
    let block = engine.capacity
    var prefill = 0.0, decode = 0.0, restart = 0.0, recomputed = 0, restartSteps = 0
    for step in 0..<options.tokens {
        let t0 = DispatchTime.now().uptimeNanoseconds
        var chunks = [[Int32]](), restarts = false
        for b in 0..<prompts.count {
            let (chunk, restarted) = state.windows[b].chunk(for: state.ids[b], cache: engine.cache, sequence: b,
                                                            policy: options.policy, block: block)
            if restarted && step > 0 { recomputed += chunk.count; restarts = true }
            chunks.append(chunk)
        }
        let logits = engine.extend(chunks)
        for b in 0..<prompts.count { state.sample(b, logits.last(b)) }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        if step == 0 { prefill = ms } else { decode += ms }
        if restarts && step > 0 { restart += ms; restartSteps += 1 }
    }
    let total = Double(prompts.count * options.tokens)
    return GenerationResult(ids: state.generated, prefill_ms: prefill, decode_ms: decode,
                            tokens_per_s: total / max((prefill + decode) / 1000, 1e-12),
                            ms_per_token: options.tokens > 1 ? decode / Double(options.tokens - 1) : 0,
                            engine_calls: options.tokens, recomputed_positions: recomputed,
                            restart_steps: restartSteps, restart_ms: restart)
}

/// The same on a fresh engine over `net`, sized for the prompts.
public func generate(_ net: GPT, prompts: [[Int32]], options: GenerationOptions) throws -> GenerationResult {
    try generate(DecodeEngine(net, batch: max(1, prompts.count)), prompts: prompts, options: options)
}

func checkPrompts(_ prompts: [[Int32]], engine: DecodeEngine) throws {
    guard prompts.count == engine.batch else {
        throw GenerateError("the engine decodes \(engine.batch) sequences, found \(prompts.count) prompts")
    }
    for (b, p) in prompts.enumerated() {
        guard !p.isEmpty else { throw GenerateError("prompt \(b) is empty; a prompt needs at least one token") }
        if let bad = p.first(where: { $0 < 0 || Int($0) >= engine.vocabSize }) {
            throw GenerateError("prompt \(b) holds token id \(bad), outside the vocabulary [0, \(engine.vocabSize))")
        }
    }
}
