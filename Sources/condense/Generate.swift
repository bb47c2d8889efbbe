// Generate: `condense generate MODEL --prompt TEXT --tokens N` samples text from a GPT.
import ArgumentParser
import CondenseCore
import Foundation
import Interop

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sample text from a GPT model.")

    @Argument(help: "A Condense GPT model file (.h5) with its vocabulary.")
    var model: String

    @Option(help: "Text to continue.")
    var prompt: String = "\n"

    @Option(help: "How many tokens to generate.")
    var tokens: Int = 200

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0.8

    @Option(help: "Random seed.")
    var seed: UInt64 = 1337

    func run() throws {
        try reportingErrors {
            guard tokens >= 0 else { throw ValidationError("--tokens must be ≥ 0, found \(tokens)") }
            guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be ≥ 0, found \(temperature)") }
            let m = try ModelSource.read(model)
            guard case .gpt = m.architecture, let net = makeNetwork(m) as? GPT else {
                throw FormatError(file: model, path: "architecture.family", "generate needs a gpt model, found \(m.architecture.family)")
            }
            guard let symbols = m.vocabulary else {
                throw FormatError(file: model, path: "vocabulary", "the model has no vocabulary, so text cannot be encoded or decoded")
            }
            let vocab = try Vocabulary(scalars: symbols.flatMap { $0.unicodeScalars }, source: "\(model): vocabulary")
            guard !prompt.isEmpty else { throw ValidationError("--prompt must not be empty") }
            let ids = try vocab.encode(prompt, source: "--prompt")
            let start = Date()
            let out = CondenseCore.generate(net, prompt: ids, tokens: tokens, temperature: temperature, seed: seed)
            let secs = Date().timeIntervalSince(start)
            emit(prompt + (try vocab.decode(out)))
            FileHandle.standardError.write(Data(String(format: "(%d tokens in %.2f s, %.1f tokens/s)\n", tokens, secs, Double(tokens) / max(secs, 1e-9)).utf8))
        }
    }
}
