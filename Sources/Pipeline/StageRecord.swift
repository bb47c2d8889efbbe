// StageRecord: what a run remembers about one stage (NN-stage.json): the digest of its inputs and config, and its report.
import CondenseCore
import Foundation

/// Everything a stage's output depends on. A stage is skipped when its key is unchanged and its output is intact.
struct StageKey: Codable, Equatable {
    var stage: String
    var input: String
    var input_sha256: String
    /// Distill only: the teacher's digest.
    var teacher_sha256: String?
    var data: RecipeData
    /// SHA-256 of the data's provenance (every split's digest), so a changed data file is not skipped over.
    var data_sha256: String?
    /// The stage's resolved options, every default filled in.
    var config: JSONValue
    var tool_version: String
}

struct StageRecord: Codable {
    /// "running" while the stage works (a resume continues it), "done" once its output is in place.
    var status: String
    var key: StageKey
    var output: String
    var output_sha256: String?
    var report: StageReport?

    static func read(_ path: String) -> StageRecord? {
        guard let d = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(StageRecord.self, from: d)
    }

    func write(_ path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = try enc.encode(self)
        try writeAtomically(to: path) { tmp in try data.write(to: URL(fileURLWithPath: tmp)) }
    }
}

/// What happened to a stage in this run.
public struct StageOutcome: Codable, Equatable, Sendable {
    public var stage: String
    public var file: String
    /// "ran", "resumed" (continued from a checkpoint of an interrupted run) or "skipped" (inputs and config unchanged).
    public var status: String
    /// Wall seconds spent on it in this run (0 when skipped).
    public var seconds: Double
}
