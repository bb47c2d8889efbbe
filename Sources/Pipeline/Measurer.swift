// Measurer: one model measured the way every report row is: metric on the report split, size, latency, generation speed.
import CondenseCore
import Generate
import Foundation
import Interop

/// One model's figures, as the report tables show them.
public struct Measurement: Codable, Equatable, Sendable {
    public var file: String
    public var sha256: String
    public var params: Int
    public var bytes: Int
    /// Whether the file holds int8 (quantized) linear layers.
    public var quantized: Bool
    /// The architecture, as the file's JSON.
    public var architecture: String
    public var eval: EvalResult
    /// Median milliseconds of one inference forward at batch 1 and batch 64 (GPT: sequences of block_size tokens).
    public var latency_b1_ms: Double?
    public var latency_b64_ms: Double?
    /// GPT only: greedy generation speed at batch 1.
    public var generate_tokens_per_s: Double?
}

/// Measures models on one data set with one set of report options; the evaluation split is loaded once.
public final class Measurer {
    let data: TaskData
    let options: ReportOptions
    private var splitData: EvalSplit?
    /// The report split's content digest: a changed data file is measured afresh.
    let splitSHA: String

    public init(data: TaskData, options: ReportOptions) throws {
        self.data = data
        self.options = options
        splitSHA = try data.provenance().splits[options.split]?.sha256 ?? ""
    }

    /// The cache key of a measurement: the file's digest and everything that changes how it is measured.
    func key(sha256: String) -> String {
        "\(sha256) \(data.name) \(splitSHA) \(((try? JSONValue(encoding: options)) ?? .null).description)"
    }

    public func measure(_ path: String, sha256: String? = nil) throws -> Measurement {
        let model = try ModelSource.read(path)
        try data.check(model.architecture, model: path)
        let net = makeNetwork(model)
        if splitData == nil { splitData = try data.split(DataSplit(rawValue: options.split) ?? .test) }
        let eval = try evaluate(net, on: splitData!, splitName: options.split, context: net.context, maxBatches: options.eval_batches)
        var m = Measurement(file: path, sha256: try sha256 ?? FileDigest.file(path), params: model.parameterCount,
                            bytes: fileSize(path) ?? 0, quantized: model.isQuantized, architecture: model.architecture.json(),
                            eval: eval)
        if options.latency {
            m.latency_b1_ms = measureLatency(net, batch: 1, runs: options.latency_runs)
            m.latency_b64_ms = measureLatency(net, batch: 64, runs: options.latency_runs)
        }
        if options.generate_tokens > 0, let gpt = net as? GPT, let prompt = try generationPrompt(blockSize: gpt.config.block_size) {
            // greedy on the KV-cache engine (prefill + decode; the window shifts past block_size)
            let engine = DecodeEngine(gpt, batch: 1)
            _ = try Generate.generate(engine, prompts: [prompt], options: GenerationOptions(tokens: 4, sampling: .greedy))
            let r = try Generate.generate(engine, prompts: [prompt], options: GenerationOptions(tokens: options.generate_tokens, sampling: .greedy))
            m.generate_tokens_per_s = r.tokens_per_s
        }
        return m
    }

    /// The prompt of every generation timing: the report split's first 32 tokens (fewer when the block is shorter);
    /// nil for data that is not text.
    public func generationPrompt(blockSize: Int) throws -> [Int32]? {
        if splitData == nil { splitData = try data.split(DataSplit(rawValue: options.split) ?? .test) }
        guard case .tokens(let tokens)? = splitData else { return nil }
        return Array(tokens.prefix(min(32, blockSize)))
    }
}

/// Measurements of a run's models by digest, kept in OUTPUT/measurements.json so a re-run does not re-measure
/// unchanged files (`--force` clears it).
final class MeasurementCache {
    let path: String
    private var entries: [String: Measurement]

    init(path: String) {
        self.path = path
        entries = FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode([String: Measurement].self, from: $0) } ?? [:]
    }

    func measure(_ file: String, with m: Measurer) throws -> Measurement {
        let sha = try FileDigest.file(file)
        let k = m.key(sha256: sha)
        if var hit = entries[k] { hit.file = file; return hit }
        let r = try m.measure(file, sha256: sha)
        entries[k] = r
        return r
    }

    func save() throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let d = try enc.encode(entries)
        try writeAtomically(to: path) { tmp in try d.write(to: URL(fileURLWithPath: tmp)) }
    }
}
