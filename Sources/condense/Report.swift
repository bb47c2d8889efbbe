// Report: `condense report A.h5 B.h5 … --data NAME` measures any models into the report table (first = reference).
import ArgumentParser
import CondenseCore
import Foundation
import Interop
import Generate
import Pipeline

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare models: params, bytes, metric and delta, latency and speed-up (GPT: generation tokens/s).",
        discussion: "The first model is the reference for deltas, % of params and speed-ups.")

    @Argument(help: "Model files (.h5); the first is the reference.")
    var models: [String]

    @OptionGroup(title: "Data (default: the demo set of the first model's family)")
    var data: DataArguments
    @Option(help: "Split of the metric: test or val.")
    var split = "test"
    @Option(help: "Batches of the split to evaluate (0: the whole split).")
    var evalBatches = 0
    @Option(help: "Timed repetitions per latency figure (the median is reported).")
    var latencyRuns = 7
    @Option(help: "GPT: tokens generated at batch 1 to time generation (0 disables it).")
    var generateTokens = 100
    @Option(help: "GPT: a smaller GPT to measure as the first model's speculative-decoding draft (repeatable).")
    var draft: [String] = []
    @Option(help: "With --draft: tokens the draft proposes per target forward (1...64).")
    var draftTokens = 4
    @Flag(help: "Skip the latency measurements.")
    var noLatency = false
    @Flag(help: "Print the report as JSON.")
    var json = false
    @Option(help: "Also write the table as Markdown to this file.")
    var markdown: String?

    func run() throws {
        try reportingErrors {
            guard !models.isEmpty else { throw ValidationError("expected at least one model file") }
            guard latencyRuns >= 1 else { throw ValidationError("--latency-runs: expected ≥ 1, found \(latencyRuns)") }
            guard evalBatches >= 0 else { throw ValidationError("--eval-batches: expected ≥ 0, found \(evalBatches)") }
            guard generateTokens >= 0 else { throw ValidationError("--generate-tokens: expected ≥ 0, found \(generateTokens)") }
            guard (1...SpeculativeOptions.maxDraftTokens).contains(draftTokens) else {
                throw ValidationError("--draft-tokens: expected 1...\(SpeculativeOptions.maxDraftTokens), found \(draftTokens)")
            }
            var o = ReportOptions()
            o.draft_tokens = draftTokens
            o.split = split; o.eval_batches = evalBatches; o.latency_runs = latencyRuns; o.generate_tokens = generateTokens
            o.latency = !noLatency
            let family = try ModelSource.readHeader(models[0]).architecture.family
            let spec = data.spec ?? DataSpec(name: family == "gpt" ? "shakespeare" : "fashion-mnist", directory: data.dataDir)
            let r = try compareModels(models, data: spec, options: o, drafts: draft)
            if let markdown {
                let text = "# Condense report\n\n" + r.legend + "\n" + r.table
                try writeAtomically(to: markdown) { tmp in try Data(text.utf8).write(to: URL(fileURLWithPath: tmp)) }
            }
            if json { emit(r.json); return }
            emit(r.legend)
            emit(r.table)
            if !r.speculativeMarkdown.isEmpty { emit(r.speculativeMarkdown) }
        }
    }
}
