// Generate: `condense generate MODEL` samples text from a GPT on the KV-cache engine, optionally speculatively with a draft.
import ArgumentParser
import CondenseCore
import Foundation
import Generate
import Interop

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Sample text from a GPT model (KV cache; speculative with --draft).")

    @Argument(help: "A Condense GPT model file (.h5) with its vocabulary (the target when --draft is given).")
    var model: String

    @Option(help: "Text to continue.")
    var prompt: String = "\n"

    @Option(help: "How many tokens to generate (1...1000000).")
    var tokens: Int = 200

    @Option(help: "Sampling temperature in [0, 100]; 0 is greedy.")
    var temperature: Float = 0.8

    @Option(help: "Keep the k most likely tokens (0: all).")
    var topK: Int = 0

    @Option(help: "Keep the smallest set of tokens whose probability reaches p, in (0, 1].")
    var topP: Float = 1

    @Option(help: "Random seed.")
    var seed: UInt64 = 1337

    @Option(help: "Past block_size: shift (re-prefill the last block_size/2 tokens when the window is full) or crop (nanoGPT: recompute the last block_size tokens per token).")
    var policy: String = "shift"

    @Option(help: "A smaller GPT with the same vocabulary and block size that drafts tokens (speculative decoding).")
    var draft: String?

    @Option(help: "Tokens the draft proposes per target forward (1...64).")
    var draftTokens: Int = 4

    @Flag(help: "With --draft: also run the target alone on the same prompt and report the speed-up.")
    var compare = false

    @Flag(help: "Print one JSON object: ids, text, tokens_per_s, prefill_ms, ms_per_token (and the speculative figures).")
    var json = false

    func run() throws {
        try reportingErrors {
            let options = try generationOptions()
            let target = try loadGPT(model, role: "model")
            guard !prompt.isEmpty else { throw ValidationError("--prompt must not be empty") }
            let ids = try target.vocab.encode(prompt, source: "--prompt")
            guard draft != nil || !compare else { throw ValidationError("--compare needs --draft (it compares speculative decoding with the target alone)") }
            var report: GenerateReport
            if let draft {
                let d = try loadGPT(draft, role: "--draft")
                guard d.symbols == target.symbols else {
                    throw ValidationError("--draft \(draft): its vocabulary differs from \(model)'s; a draft must share the target's vocabulary")
                }
                try checkDraft(target: target.net.config, draft: d.net.config)
                let spec = SpeculativeOptions(generation: options, draftTokens: draftTokens)
                try spec.validate()
                let r = try speculativeGenerate(target: DecodeEngine(target.net, batch: 1), draft: DecodeEngine(d.net, batch: 1),
                                                prompt: ids, options: spec)
                report = GenerateReport(ids: r.ids, text: try target.vocab.decode(r.ids), tokens_per_s: r.tokens_per_s,
                                        prefill_ms: r.prefill_ms, ms_per_token: r.ms_per_token)
                report.acceptance_rate = r.acceptance_rate
                report.tokens_per_target_call = r.tokens_per_target_call
                if compare {
                    let alone = try generate(target.net, prompts: [ids], options: options)
                    report.target_tokens_per_s = alone.tokens_per_s
                    report.speedup = r.tokens_per_s / alone.tokens_per_s
                    report.identical_to_target = alone.ids[0] == r.ids
                }
            } else {
                let r = try generate(target.net, prompts: [ids], options: options)
                report = GenerateReport(ids: r.ids[0], text: try target.vocab.decode(r.ids[0]), tokens_per_s: r.tokens_per_s,
                                        prefill_ms: r.prefill_ms, ms_per_token: r.ms_per_token)
            }
            if json { emit(((try? JSONValue(encoding: report)) ?? .null).description); return }
            emit(prompt + report.text)
            FileHandle.standardError.write(Data(report.summary(tokens: tokens).utf8))
        }
    }

    func generationOptions() throws -> GenerationOptions {
        guard let p = ContextPolicy(rawValue: policy) else {
            throw ValidationError("--policy must be shift or crop, found \"\(policy)\"")
        }
        let o = GenerationOptions(tokens: tokens, sampling: SamplingOptions(temperature: temperature, topK: topK, topP: topP, seed: seed),
                                  policy: p)
        try o.validate()
        return o
    }
}

/// What `condense generate --json` prints.
struct GenerateReport: Codable {
    var ids: [Int32]
    var text: String
    var tokens_per_s: Double
    var prefill_ms: Double
    var ms_per_token: Double
    var acceptance_rate: Double?
    var tokens_per_target_call: Double?
    var target_tokens_per_s: Double?
    var speedup: Double?
    var identical_to_target: Bool?

    func summary(tokens: Int) -> String {
        var s = String(format: "(%d tokens, %.1f tokens/s, prefill %.1f ms, %.2f ms/token", tokens, tokens_per_s, prefill_ms, ms_per_token)
        if let a = acceptance_rate, let t = tokens_per_target_call { s += String(format: "; acceptance %.2f, %.2f tokens per target call", a, t) }
        if let t = target_tokens_per_s, let x = speedup { s += String(format: "; target alone %.1f tokens/s, speed-up %.2fx", t, x) }
        return s + ")\n"
    }
}

/// A GPT model file loaded for generation: the network, its vocabulary symbols and their codec.
struct LoadedGPT {
    let net: GPT
    let symbols: [String]
    let vocab: Vocabulary
}

/// Reads `path` as a GPT with a vocabulary; `role` names the option in errors (model or --draft).
func loadGPT(_ path: String, role: String) throws -> LoadedGPT {
    let m = try ModelSource.read(path)
    guard case .gpt = m.architecture, let net = makeNetwork(m) as? GPT else {
        throw FormatError(file: path, path: "architecture.family", "generate needs a gpt model\(role == "model" ? "" : " as \(role)"), found \(m.architecture.family)")
    }
    guard let symbols = m.vocabulary else {
        throw FormatError(file: path, path: "vocabulary", "the model has no vocabulary, so text cannot be encoded or decoded")
    }
    let vocab = try Vocabulary(scalars: symbols.flatMap { $0.unicodeScalars }, source: "\(path): vocabulary")
    return LoadedGPT(net: net, symbols: symbols, vocab: vocab)
}
