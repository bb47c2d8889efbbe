// BenchGenerate: `condense bench generate MODEL [--draft D]`: decode tokens/s at batch 1, 8 and 64 (and speculative).
import ArgumentParser
import CInt8
import CondenseCore
import Foundation
import Generate
import Interop

/// What bounds batch-1 decoding: the weight bytes one step reads, the measured streaming-read bandwidth over a
/// buffer that size, and the time that read takes.
struct DecodeBound: Codable {
    var weight_bytes_per_token: Int
    var read_gbs: Double
    var bound_ms_per_token: Double
    var bound_tokens_per_s: Double
}

struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Greedy decode tokens/s of a GPT on the KV-cache engine at several batch sizes; with --draft, speculative at batch 1.",
        discussion: "Each batch decodes --tokens tokens per sequence after the --prompt text (or a --prompt-tokens prompt); the median of --runs runs is reported. Peer: tools/hf_generate_peer.py.")

    @Argument(help: "A Condense GPT model file (.h5).")
    var model: String

    @Option(help: "A draft GPT (same vocabulary and block size) for speculative decoding at batch 1.")
    var draft: String?

    @Option(help: "Tokens the draft proposes per target forward.")
    var draftTokens: Int = 4

    @Option(help: "Comma-separated batch sizes.")
    var batches: String = "1,8,64"

    @Option(help: "Generated tokens per sequence.")
    var tokens: Int = 200

    @Option(help: "Prompt length in tokens (the prompt is the first tokens of the vocabulary, repeated).")
    var promptTokens: Int = 1

    @Option(help: "Prompt text, encoded with the model's vocabulary (instead of --prompt-tokens), e.g. a passage of the test split.")
    var prompt: String?

    @Option(help: "Timed runs per batch size (the median is reported), after one untimed warm-up.")
    var runs: Int = 3

    @Flag(help: "One JSON object per measurement.")
    var json = false

    func emitBound(_ net: GPT) {
        let bytes = GenerateBench.weightBytesPerToken(net)
        let gbs = ci8_bench_read_gbs(bytes, Int32(max(10, min(500, Int(4e9 / Double(bytes))))), 0)
        guard gbs.isFinite, gbs > 0 else { return }   // a buffer too small to time: no bound to state
        let ms = Double(bytes) / (gbs * 1e9) * 1e3
        let b = DecodeBound(weight_bytes_per_token: bytes, read_gbs: gbs, bound_ms_per_token: ms, bound_tokens_per_s: 1000 / ms)
        if json { emit(((try? JSONValue(encoding: b)) ?? .null).description); return }
        emit(String(format: "bound: %.1f MB of weights per token at %.1f GB/s (streaming read, %d threads) = %.3f ms per token, %.0f tokens/s at batch 1",
                    Double(bytes) / 1e6, gbs, Int(ci8_get_threads()), ms, 1000 / ms))
    }

    /// The --prompt text's ids, or the first --prompt-tokens ids of the vocabulary, repeated.
    func promptIDs(_ m: ModelFile, _ net: GPT) throws -> [Int32] {
        guard let prompt else { return (0..<promptTokens).map { Int32($0 % net.config.vocab_size) } }
        guard !prompt.isEmpty else { throw ValidationError("--prompt must not be empty") }
        guard let symbols = m.vocabulary else {
            throw FormatError(file: model, path: "vocabulary", "the model has no vocabulary, so --prompt cannot be encoded")
        }
        let vocab = try Vocabulary(scalars: symbols.flatMap { $0.unicodeScalars }, source: "\(model): vocabulary")
        return try vocab.encode(prompt, source: "--prompt")
    }

    func run() throws {
        try reportingErrors {
            let sizes = batches.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 4096 }) else {
                throw ValidationError("--batches must be comma-separated sizes in 1...4096, found \"\(batches)\"")
            }
            guard runs >= 1, promptTokens >= 1 else { throw ValidationError("--runs and --prompt-tokens must be ≥ 1, found \(runs) and \(promptTokens)") }
            let m = try ModelSource.read(model)
            guard let net = makeNetwork(m) as? GPT else {
                throw FormatError(file: model, path: "architecture.family", "bench generate needs a gpt model, found \(m.architecture.family)")
            }
            let opts = GenerationOptions(tokens: tokens, sampling: .greedy, policy: .shift)
            try opts.validate()
            let prompt = try promptIDs(m, net)
            emitBound(net)
            for b in sizes.map({ $0! }) {
                let r = try GenerateBench.batch(net, batch: b, prompt: prompt, options: opts, runs: runs)
                if json { emit(((try? JSONValue(encoding: r)) ?? .null).description); continue }
                emit(String(format: "batch %3d: %9.1f tokens/s  (%.3f ms per step, prefill %.2f ms; median of %d)",
                            b, r.tokens_per_s, r.ms_per_step, r.prefill_ms, runs))
            }
            guard let draft else { return }
            let dm = try ModelSource.read(draft)
            guard let dnet = makeNetwork(dm) as? GPT else {
                throw FormatError(file: draft, path: "architecture.family", "--draft needs a gpt model, found \(dm.architecture.family)")
            }
            if let a = m.vocabulary, let d = dm.vocabulary, a != d {
                throw ValidationError("--draft \(draft): its vocabulary differs from \(model)'s; a draft must share the target's vocabulary")
            }
            let spec = SpeculativeOptions(generation: opts, draftTokens: draftTokens)
            let r = try GenerateBench.speculative(net, draft: dnet, prompt: prompt, options: spec, runs: runs)
            if json { emit(((try? JSONValue(encoding: r)) ?? .null).description); return }
            emit(String(format: "speculative (K = %d): %.1f tokens/s against %.1f alone, speed-up %.2fx; acceptance %.2f, %.2f tokens per target call%@",
                        draftTokens, r.tokens_per_s, r.target_tokens_per_s, r.speedup, r.acceptance_rate, r.tokens_per_target_call,
                        r.identical_to_target ? "" : " (OUTPUT DIFFERS from the target's)"))
        }
    }
}
