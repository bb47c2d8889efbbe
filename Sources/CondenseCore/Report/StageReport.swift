// StageReport: what every stage (prune, distill, quantize) returns beside its model: sizes, metric, time, config.
import Foundation

public struct StageReport: Codable, Sendable {
    public var stage: String
    public var params_before: Int
    public var params_after: Int
    /// Bytes on disk; filled in by whoever writes the files (the stage entry points do not write).
    public var bytes_before: Int?
    public var bytes_after: Int?
    public var metric_kind: MetricKind
    /// The split the metric was measured on ("val" inside stages; the test split is for final reports only).
    public var metric_split: String
    public var metric_before: Double?
    public var metric_after: Double?
    public var latency_b1_ms_before: Double?
    public var latency_b1_ms_after: Double?
    public var latency_bn_ms_before: Double?
    public var latency_bn_ms_after: Double?
    /// N of the batch-N latency.
    public var latency_batch: Int?
    public var wall_seconds: Double
    public var seed: UInt64
    /// The stage's resolved config, every default filled in.
    public var config: JSONValue
    /// Stage-specific tables: importance rankings, candidates, sweeps, curves.
    public var details: JSONValue

    public init(stage: String, paramsBefore: Int, paramsAfter: Int, metricKind: MetricKind, metricSplit: String = "val",
                metricBefore: Double?, metricAfter: Double?, wallSeconds: Double, seed: UInt64,
                config: JSONValue, details: JSONValue = .object([:])) {
        self.stage = stage; params_before = paramsBefore; params_after = paramsAfter
        metric_kind = metricKind; metric_split = metricSplit; metric_before = metricBefore; metric_after = metricAfter
        wall_seconds = wallSeconds; self.seed = seed; self.config = config; self.details = details
    }

    /// Exact JSON (sorted keys, pretty), via JSONEncoder so integers such as seeds keep every bit.
    public var json: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? enc.encode(self)) ?? Data(), as: UTF8.self)
    }
}
