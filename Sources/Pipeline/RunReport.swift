// RunReport: report.json: every model of a run (teacher first) measured alike, plus every stage's StageReport.
import CondenseCore
import Foundation

/// One row of the report table.
public struct ModelRow: Codable, Equatable, Sendable {
    public var name: String
    /// The stage that produced it (nil for the teacher or a given student).
    public var stage: String?
    public var file: String
    public var sha256: String
    public var params: Int
    public var bytes: Int
    public var quantized: Bool
    /// Accuracy as a fraction in [0, 1], or loss in nats per token.
    public var metric: Double
    public var metric_kind: MetricKind
    public var metric_split: String
    /// Always present: the mean cross-entropy in nats; accuracy for classifiers, perplexity for language models.
    public var loss: Double
    public var accuracy: Double?
    public var perplexity: Double?
    /// Examples (images) or tokens the metric was measured on.
    public var count: Int
    /// This row's metric minus the reference's (the teacher's): positive is better for accuracy, worse for loss.
    public var delta_vs_teacher: Double
    /// params / the reference's params.
    public var params_vs_teacher: Double
    public var bytes_vs_teacher: Double
    public var latency_b1_ms: Double?
    public var latency_b64_ms: Double?
    /// The reference's latency divided by this row's.
    public var speedup_b1: Double?
    public var speedup_b64: Double?
    public var generate_tokens_per_s: Double?
    public var architecture: String
}

public struct RunReport: Codable, Sendable {
    /// The recipe file (nil for `condense report`).
    public var recipe: String?
    public var output: String?
    public var data: String
    /// Where the data came from, with every split's size and SHA-256.
    public var data_provenance: DataProvenance?
    public var metric_kind: MetricKind
    public var metric_split: String
    public var higher_is_better: Bool
    /// The row every delta, ratio and speed-up is taken against (the first: the teacher).
    public var reference: String
    public var models: [ModelRow]
    /// Every stage's report, in order (metrics inside them are on the validation split).
    public var stages: [StageReport]
    /// What this run did with each stage: ran, resumed or skipped.
    public var runs: [StageOutcome]
    public var wall_seconds: Double?
    public var resolved_recipe: String?
    /// The teacher's training curve (its run folder's log.jsonl), when the run folder is there.
    public var teacher_curve: JSONValue?
    public var plots: [String] = []
    /// GPT runs: each draft measured against the reference with speculative decoding.
    public var speculative: [SpeculativeRow]?
    public var latency_runs: Int
    public var cores: Int
    public var tool_version: String
    public var created: String

    /// Builds the rows from measurements; the first is the reference.
    public init(names: [String], stages: [String?], measurements: [Measurement], data: String, options: ReportOptions) {
        let ref = measurements[0]
        let kind = ref.eval.metric_kind
        models = zip(zip(names, stages), measurements).map { pair, m in
            ModelRow(name: pair.0, stage: pair.1, file: m.file, sha256: m.sha256, params: m.params, bytes: m.bytes, quantized: m.quantized,
                     metric: m.eval.metric, metric_kind: m.eval.metric_kind, metric_split: m.eval.split, loss: m.eval.loss,
                     accuracy: m.eval.accuracy, perplexity: m.eval.perplexity, count: m.eval.count,
                     delta_vs_teacher: m.eval.metric - ref.eval.metric,
                     params_vs_teacher: Double(m.params) / Double(max(ref.params, 1)),
                     bytes_vs_teacher: Double(m.bytes) / Double(max(ref.bytes, 1)),
                     latency_b1_ms: m.latency_b1_ms, latency_b64_ms: m.latency_b64_ms,
                     speedup_b1: ratio(ref.latency_b1_ms, m.latency_b1_ms), speedup_b64: ratio(ref.latency_b64_ms, m.latency_b64_ms),
                     generate_tokens_per_s: m.generate_tokens_per_s, architecture: m.architecture)
        }
        self.data = data
        metric_kind = kind
        metric_split = ref.eval.split
        higher_is_better = kind == .accuracy
        reference = names[0]
        self.stages = []
        runs = []
        latency_runs = options.latency_runs
        cores = ProcessInfo.processInfo.activeProcessorCount
        tool_version = Condense.version
        created = ISO8601DateFormatter().string(from: Date())
    }

    /// A run's report: the teacher (and a given student), then each stage's output.
    init(recipe: Recipe, names: [String], stages: [String?], measurements: [Measurement], stageReports: [StageReport],
         outcomes: [StageOutcome], wallSeconds: Double) {
        self.init(names: names, stages: stages, measurements: measurements, data: recipe.data.displayName, options: recipe.report)
        self.recipe = recipe.file
        output = recipe.output
        self.stages = stageReports
        runs = outcomes
        wall_seconds = wallSeconds
    }

    public var json: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? enc.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Writes report.json, report.md and (with `plots`) the SVG plots into `folder`, each atomically.
    /// Returns the paths of report.json and report.md.
    public mutating func write(to folder: String, plots: Bool) throws -> (String, String) {
        if plots {
            self.plots = []
            for (name, svg) in svgPlots() {
                try writeAtomically(to: folder + "/" + name) { tmp in try Data(svg.utf8).write(to: URL(fileURLWithPath: tmp)) }
                self.plots.append(name)
            }
        }
        let json = folder + "/report.json", md = folder + "/report.md"
        let j = self.json, m = markdown
        try writeAtomically(to: json) { tmp in try Data((j + "\n").utf8).write(to: URL(fileURLWithPath: tmp)) }
        try writeAtomically(to: md) { tmp in try Data(m.utf8).write(to: URL(fileURLWithPath: tmp)) }
        return (json, md)
    }
}

func ratio(_ a: Double?, _ b: Double?) -> Double? {
    guard let a, let b, b > 0 else { return nil }
    return a / b
}
