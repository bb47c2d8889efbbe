// GenerateBench: timed greedy decoding at a batch size, and speculative against the target alone (medians of runs).
import CondenseCore
import Foundation

public enum GenerateBench {
    public struct BatchResult: Codable, Equatable, Sendable {
        public var batch: Int, tokens: Int, runs: Int
        /// Generated tokens (all sequences) per second, prefill included; median over runs.
        public var tokens_per_s: Double
        public var ms_per_step: Double
        public var prefill_ms: Double
        public var int8: Bool
    }

    public struct SpeculativeBench: Codable, Equatable, Sendable {
        public var draft_tokens: Int, tokens: Int, runs: Int
        public var tokens_per_s: Double, target_tokens_per_s: Double, speedup: Double
        public var acceptance_rate: Double, tokens_per_target_call: Double
        public var identical_to_target: Bool
        /// Where the median speculative run's time went (ms, whole run): the draft's steps, the target's
        /// verifications, re-prefills of moved windows (both models), the mean verification and draft step; and
        /// the target alone's median run: its re-prefills, and its decode time per step without them.
        public var draft_ms: Double, verify_ms: Double, restart_ms: Double
        public var target_restart_ms: Double, target_ms_per_step: Double
        public var verify_ms_per_call: Double, draft_ms_per_step: Double
    }

    /// Greedy decoding of `batch` copies of `prompt`: one warm-up, then the median of `runs`.
    public static func batch(_ net: GPT, batch b: Int, prompt: [Int32], options: GenerationOptions, runs: Int) throws -> BatchResult {
        let engine = DecodeEngine(net, batch: b)
        let prompts = Array(repeating: prompt, count: b)
        _ = try generate(engine, prompts: prompts, options: options)
        var rs = [GenerationResult]()
        for _ in 0..<runs { rs.append(try generate(engine, prompts: prompts, options: options)) }
        let mid = rs.sorted { $0.tokens_per_s < $1.tokens_per_s }[rs.count / 2]
        return BatchResult(batch: b, tokens: options.tokens, runs: runs, tokens_per_s: mid.tokens_per_s,
                           ms_per_step: mid.ms_per_token, prefill_ms: mid.prefill_ms, int8: net.isQuantized)
    }

    /// Speculative decoding and the target alone, alternating run by run; medians of each.
    public static func speculative(_ target: GPT, draft: GPT, prompt: [Int32], options: SpeculativeOptions,
                                   runs: Int) throws -> SpeculativeBench {
        let te = DecodeEngine(target, batch: 1), de = DecodeEngine(draft, batch: 1)
        _ = try speculativeGenerate(target: te, draft: de, prompt: prompt, options: options)
        _ = try generate(te, prompts: [prompt], options: options.generation)
        var spec = [SpeculativeResult](), alone = [GenerationResult]()
        for _ in 0..<runs {
            spec.append(try speculativeGenerate(target: te, draft: de, prompt: prompt, options: options))
            alone.append(try generate(te, prompts: [prompt], options: options.generation))
        }
        let s = spec.sorted { $0.tokens_per_s < $1.tokens_per_s }[runs / 2]
        let a = alone.sorted { $0.tokens_per_s < $1.tokens_per_s }[runs / 2]
        return SpeculativeBench(draft_tokens: options.draftTokens, tokens: options.generation.tokens, runs: runs,
                                tokens_per_s: s.tokens_per_s, target_tokens_per_s: a.tokens_per_s, speedup: s.tokens_per_s / a.tokens_per_s,
                                acceptance_rate: s.acceptance_rate, tokens_per_target_call: s.tokens_per_target_call,
                                identical_to_target: options.generation.sampling.temperature == 0 ? s.ids == a.ids[0] : false,
                                draft_ms: s.draft_ms, verify_ms: s.verify_ms, restart_ms: s.restart_ms,
                                target_restart_ms: a.restart_ms,
                                target_ms_per_step: (a.decode_ms - a.restart_ms) / Double(max(a.engine_calls - 1 - a.restart_steps, 1)),
                                verify_ms_per_call: s.verify_ms_per_call, draft_ms_per_step: s.draft_ms_per_step)
    }
}

extension GenerateBench {
    /// Bytes of weights one decode step reads once: every parameter (the tied head reads all of wte) except the
    /// position table, of which it reads one row; an int8 layer reads its int8 weights and float scales instead.
    public static func weightBytesPerToken(_ net: GPT) -> Int {
        var bytes = 0
        for (name, t) in zip(net.params.names, net.params.values) {
            let layer = name.hasSuffix("/weight") ? String(name.dropLast("/weight".count)) : ""
            if name == "transformer/wpe/weight" { bytes += 4 * net.config.n_embd; continue }
            if let q = net.int8Layers[layer] { bytes += q.stored.n * q.stored.k + 4 * q.stored.n; continue }
            bytes += 4 * t.count
        }
        return bytes
    }
}
