// Speculative: the draft proposes K tokens, the target scores K + 1 positions in one forward, caches roll back.
import CondenseCore
import Foundation

public struct SpeculativeOptions: Codable, Equatable, Sendable {
    public var generation = GenerationOptions()
    /// K, drafted tokens per round, in 1...maxDraftTokens.
    public var draftTokens: Int = 4
    public static let maxDraftTokens = 64

    public init(generation: GenerationOptions = GenerationOptions(), draftTokens: Int = 4) {
        self.generation = generation; self.draftTokens = draftTokens
    }

    public func validate() throws {
        try generation.validate()
        guard draftTokens >= 1, draftTokens <= SpeculativeOptions.maxDraftTokens else {
            throw GenerateError("--draft-tokens must lie in 1...\(SpeculativeOptions.maxDraftTokens), found \(draftTokens)")
        }
    }
}

public struct SpeculativeResult: Codable, Equatable, Sendable {
    public var ids: [Int32]
    public var proposed: Int, accepted: Int
    /// Verification forwards of the target (the prompt's prefill not counted).
    public var target_calls: Int
    public var draft_calls: Int
    /// accepted / proposed.
    public var acceptance_rate: Double
    /// Tokens emitted per target verification forward (block efficiency).
    public var tokens_per_target_call: Double
    public var prefill_ms: Double, decode_ms: Double
    public var tokens_per_s: Double, ms_per_token: Double
    /// decode_ms split: the draft's steps, the target's verifications, and the re-prefills of either model when
    /// the window moves past block_size; the rest of decode_ms is sampling and bookkeeping.
    public var draft_ms: Double, verify_ms: Double, restart_ms: Double
    /// Mean time of one verification and of one draft step, restarts excluded.
    public var verify_ms_per_call: Double, draft_ms_per_step: Double
}

/// How a drafted token is judged. `.exact` is speculative sampling; the other is a planted error that tests
/// must catch (it resamples a rejection from p instead of norm(max(0, p − q)), which biases the output).
enum AcceptanceRule { case exact, resampleFromTarget }

/// Checks that `draft` can serve `target`: the same vocabulary size and block size. Both GPTs.
public func checkDraft(target: GPTConfig, draft: GPTConfig) throws {
    guard draft.vocab_size == target.vocab_size else {
        throw GenerateError("the draft's vocab_size is \(draft.vocab_size) but the target's is \(target.vocab_size); a draft must share the target's vocabulary")
    }
    guard draft.block_size == target.block_size else {
        throw GenerateError("the draft's block_size is \(draft.block_size) but the target's is \(target.block_size); a draft must share the target's context window")
    }
}

/// Continues `prompt` by options.generation.tokens tokens with speculative sampling (Leviathan et al. 2023):
/// the output has the target's distribution under the sampling options, and at temperature 0 it is the
/// target's greedy output. Both engines must have batch 1.
public func speculativeGenerate(target: DecodeEngine, draft: DecodeEngine, prompt: [Int32],
                                options: SpeculativeOptions) throws -> SpeculativeResult {
    try speculativeGenerate(target: target, draft: draft, prompt: prompt, options: options, rule: .exact)
}

func speculativeGenerate(target: DecodeEngine, draft: DecodeEngine, prompt: [Int32], options: SpeculativeOptions,
                         rule: AcceptanceRule) throws -> SpeculativeResult {
    try options.validate()
    try checkDraft(target: target.config, draft: draft.config)
    guard target.batch == 1, draft.batch == 1 else { throw GenerateError("speculative decoding runs one sequence (batch 1)") }
    try checkPrompts([prompt], engine: target)
    var run = SpeculativeRun(target: target, draft: draft, prompt: prompt, options: options, rule: rule)
    let t0 = DispatchTime.now().uptimeNanoseconds
    run.prefill()
    let t1 = DispatchTime.now().uptimeNanoseconds
    while run.ids.count - prompt.count < options.generation.tokens { run.round() }
    let t2 = DispatchTime.now().uptimeNanoseconds
    let n = options.generation.tokens
    let prefill = Double(t1 - t0) / 1e6, decode = Double(t2 - t1) / 1e6
    return SpeculativeResult(ids: Array(run.ids.dropFirst(prompt.count)), proposed: run.proposed, accepted: run.accepted,
                             target_calls: run.targetCalls, draft_calls: run.draftCalls,
                             acceptance_rate: run.proposed > 0 ? Double(run.accepted) / Double(run.proposed) : 0,
                             tokens_per_target_call: Double(n) / Double(max(run.targetCalls, 1)),
                             prefill_ms: prefill, decode_ms: decode,
                             tokens_per_s: Double(n) / max((prefill + decode) / 1000, 1e-12),
                             ms_per_token: decode / Double(n), draft_ms: Double(run.draftNs) / 1e6,
                             verify_ms: Double(run.verifyNs) / 1e6, restart_ms: Double(run.restartNs) / 1e6,
                             verify_ms_per_call: Double(run.verifyNs) / 1e6 / Double(max(run.targetCalls - run.verifyRestarts, 1)),
                             draft_ms_per_step: Double(run.draftNs) / 1e6 / Double(max(run.draftCalls - run.draftRestarts, 1)))
}
