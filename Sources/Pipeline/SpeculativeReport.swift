// SpeculativeReport: each smaller GPT of a report as the draft of the reference: acceptance, tokens per call, speed-up.
import CondenseCore
import Foundation
import Generate
import Interop

/// One draft measured with greedy speculative decoding against the report's reference model (the target).
public struct SpeculativeRow: Codable, Equatable, Sendable {
    public var draft: String
    public var file: String
    /// Tokens the draft proposes per target forward (K).
    public var draft_tokens: Int
    /// Tokens generated per run, after a 32-token prompt from the report split.
    public var tokens: Int
    /// Accepted / proposed proposals, and tokens gained per target forward (≤ K + 1), of the last timed run.
    public var acceptance_rate: Double
    public var tokens_per_target_call: Double
    /// Medians over the alternating rounds: speculative, and the target alone on the same prompt.
    public var tokens_per_s: Double
    public var target_tokens_per_s: Double
    public var speedup: Double
    /// Greedy speculative output equals the target's greedy output token for token (it must).
    public var identical: Bool
    public var rounds: Int
}

/// A draft to measure: its row name and file.
public struct DraftSpec: Sendable {
    public var name: String, path: String
    public init(name: String, path: String) { self.name = name; self.path = path }
}

/// Measures every draft against `targetPath` on one prompt: `rounds` alternating rounds of the target alone and of
/// speculative decoding (greedy, K = draftTokens), medians of tokens/s. A draft that cannot serve the target (not a
/// GPT, another vocabulary or block size) is an error naming it.
public func measureSpeculative(targetPath: String, drafts: [DraftSpec], prompt: [Int32], tokens: Int, draftTokens: Int,
                               rounds: Int) throws -> [SpeculativeRow] {
    guard !drafts.isEmpty, tokens > 0 else { return [] }
    let targetFile = try ModelSource.read(targetPath)
    guard let target = makeNetwork(targetFile) as? GPT else {
        throw FormatError(file: targetPath, "speculative decoding needs a GPT target, found family \"\(targetFile.architecture.family)\"")
    }
    let gen = GenerationOptions(tokens: tokens, sampling: .greedy)
    let spec = SpeculativeOptions(generation: gen, draftTokens: draftTokens)
    try spec.validate()
    let targetEngine = DecodeEngine(target, batch: 1)
    return try drafts.map { d in
        let draft = try loadDraft(d.path, vocabulary: targetFile.vocabulary, target: target.config, targetPath: targetPath)
        let draftEngine = DecodeEngine(draft, batch: 1)
        _ = try speculativeGenerate(target: targetEngine, draft: draftEngine, prompt: prompt, options: SpeculativeOptions(generation: GenerationOptions(tokens: 4, sampling: .greedy), draftTokens: draftTokens)) // warm-up
        var alone: [Double] = [], fast: [Double] = []
        var last: SpeculativeResult?, aloneIDs: [Int32] = []
        for _ in 0..<max(rounds, 1) {
            let a = try generate(targetEngine, prompts: [prompt], options: gen)
            alone.append(a.tokens_per_s); aloneIDs = a.ids[0]
            let s = try speculativeGenerate(target: targetEngine, draft: draftEngine, prompt: prompt, options: spec)
            fast.append(s.tokens_per_s); last = s
        }
        let r = last!
        return SpeculativeRow(draft: d.name, file: d.path, draft_tokens: draftTokens, tokens: tokens,
                              acceptance_rate: r.acceptance_rate, tokens_per_target_call: r.tokens_per_target_call,
                              tokens_per_s: median(fast), target_tokens_per_s: median(alone),
                              speedup: median(fast) / median(alone), identical: r.ids == aloneIDs, rounds: max(rounds, 1))
    }
}

/// Reads a draft and checks that it can serve the target: a GPT with the same vocabulary and block size.
func loadDraft(_ path: String, vocabulary: [String]?, target: GPTConfig, targetPath: String) throws -> GPT {
    let file = try ModelSource.read(path)
    guard let net = makeNetwork(file) as? GPT else {
        throw FormatError(file: path, "a draft must be a GPT, found family \"\(file.architecture.family)\"")
    }
    guard file.vocabulary == vocabulary else {
        throw FormatError(file: path, "the draft's vocabulary differs from \(targetPath)'s; a draft must share the target's vocabulary")
    }
    do { try checkDraft(target: target, draft: net.config) } catch {
        throw FormatError(file: path, "\(error)")
    }
    return net
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

extension RunReport {
    /// report.md's speculative-decoding section (empty when no draft was measured).
    public var speculativeMarkdown: String {
        guard let rows = speculative, !rows.isEmpty else { return "" }
        var s = "## Speculative decoding\n\n"
        s += "Each draft proposes K tokens per \(reference) forward; greedy, batch 1, \(rows[0].tokens) tokens after a 32-token "
        s += "prompt of the \(metric_split) split; tokens/s are medians of \(rows[0].rounds) rounds alternating with \(reference) alone "
        s += "on the same prompt. *identical*: the output equals \(reference)'s greedy output token for token.\n\n"
        s += "| draft | K | acceptance | tokens per target call | tokens/s | \(reference) alone (tokens/s) | speed-up | identical |\n"
        s += "|---|---:|---:|---:|---:|---:|---:|---|\n"
        for r in rows {
            s += String(format: "| %@ | %d | %.1f %% | %.2f | %.0f | %.0f | %.2f× | %@ |\n", r.draft, r.draft_tokens,
                        r.acceptance_rate * 100, r.tokens_per_target_call, r.tokens_per_s, r.target_tokens_per_s, r.speedup,
                        r.identical ? "yes" : "**no**")
        }
        return s + "\n"
    }
}
