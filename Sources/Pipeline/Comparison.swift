// Comparison: `condense report A.h5 B.h5 …`: any models measured alike into the report table, the first as reference.
import CondenseCore
import Foundation

/// Measures every model on `data` (the report split, latency, GPT generation speed) and builds the same table as a
/// run's report.md; the first model is the reference for deltas, % of params and speed-ups.
/// Each of `drafts` is also measured as the first model's speculative-decoding draft (GPTs only).
public func compareModels(_ paths: [String], data spec: DataSpec, options: ReportOptions = ReportOptions(),
                          drafts: [String] = []) throws -> RunReport {
    guard !paths.isEmpty else { throw FormatError(file: "report", "expected at least one model file") }
    guard ReportOptions.splits.contains(options.split) else {
        throw FormatError(file: "report", path: "--split", "expected val or test, found \"\(options.split)\"")
    }
    for p in paths where !FileManager.default.fileExists(atPath: p) {
        throw FormatError(file: p, "no such file")
    }
    let header = try ModelFile.readHeader(paths[0])
    let data = try TaskData.load(spec, fit: try DataFit(header.architecture, vocabulary: header.vocabulary, model: paths[0]))
    let measurer = try Measurer(data: data, options: options)
    let rows = try paths.map { try measurer.measure($0) }
    var names = paths.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
    // Same stem twice (runs/a/teacher.h5, runs/b/teacher.h5): use the paths.
    if Set(names).count < names.count { names = paths }
    var report = RunReport(names: names, stages: names.map { _ in nil }, measurements: rows, data: data.name, options: options)
    report.data_provenance = try data.provenance()
    if !drafts.isEmpty {
        guard case .gpt(let g) = header.architecture, let prompt = try measurer.generationPrompt(blockSize: g.block_size) else {
            throw FormatError(file: paths[0], path: "--draft", "speculative decoding needs a GPT as the first model and text data")
        }
        guard options.generate_tokens > 0 else {
            throw FormatError(file: "report", path: "--draft", "needs --generate-tokens ≥ 1 (the tokens each run generates)")
        }
        for d in drafts where !FileManager.default.fileExists(atPath: d) { throw FormatError(file: d, "no such file") }
        report.speculative = try measureSpeculative(
            targetPath: paths[0], drafts: drafts.map { DraftSpec(name: URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent, path: $0) },
            prompt: prompt, tokens: options.generate_tokens, draftTokens: options.draft_tokens, rounds: min(options.latency_runs, 5))
    }
    return report
}
