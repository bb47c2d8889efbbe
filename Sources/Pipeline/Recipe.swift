// Recipe: a recipe file decoded: the teacher, the data, the seed, the output folder, the stages and the report options.
import CondenseCore
import Distill
import Foundation
import Prune
import Quantize

/// Where the teacher comes from: a model file, trained from `config` when the file is missing.
public struct TeacherSpec: Codable, Equatable, Sendable {
    /// The teacher model file. "" means the recipe has no teacher (then `student` must be given and no stage may distill).
    public var path = ""
    /// A training config (`condense train` format) that makes `path` when it is missing; "" means the file must exist.
    public var config = ""
    public init() {}

    /// The one teacher as an ensemble member of weight 1.
    static func member(_ t: TeacherSpec) -> TeacherMember { TeacherMember(path: t.path, config: t.config) }
}

/// One teacher of an ensemble (`teachers:`): its file, its weight in the ensemble, and a training config that makes
/// the file when it is missing. Keys left out take these defaults.
public struct TeacherMember: Codable, Equatable, Sendable {
    public var path = ""
    public var weight = 1.0
    public var config = ""
    public init(path: String, weight: Double = 1, config: String = "") { self.path = path; self.weight = weight; self.config = config }

    public static let keys = ["path", "weight", "config"]

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decodeIfPresent(String.self, forKey: .path) ?? ""
        weight = try c.decodeIfPresent(Double.self, forKey: .weight) ?? 1
        config = try c.decodeIfPresent(String.self, forKey: .config) ?? ""
    }
}

/// The data set every stage calibrates, tunes and trains on, and the report evaluates on: a demo set by `name`
/// ("" takes it from the teacher's family: mlp → fashion-mnist, gpt → shakespeare), or a user's `path` with its
/// reading options (docs/RECIPES.md, "data").
public typealias RecipeData = DataSpec

/// How the final report measures every model.
public struct ReportOptions: Codable, Equatable, Sendable {
    /// The split of the report's metric: test (the default; the stages tune on val only) or val.
    public var split = "test"
    /// Batches of that split to evaluate; 0 means the whole split.
    public var eval_batches = 0
    /// Measure latency at batch 1 and batch 64.
    public var latency = true
    /// Timed repetitions per latency figure (the median is reported).
    public var latency_runs = 7
    /// GPT only: tokens generated at batch 1 (greedy) to time generation; 0 disables it.
    public var generate_tokens = 100
    /// GPT only: measure each smaller GPT of the run (every stage's output and the scratch baseline's student) as a
    /// speculative-decoding draft of the teacher, with `draft_tokens` proposals per teacher forward.
    public var speculative = true
    public var draft_tokens = 4
    /// Write the SVG plots beside report.md.
    public var plots = true
    public init() {}

    public static let splits = ["val", "test"]
}

/// One stage of a recipe, with its subcommand's options under the same names.
public enum StageSpec: Equatable, Sendable {
    case prune(PruneConfig)
    case distill(DistillConfig)
    case quantize(QuantizeConfig)

    public var kind: StageKind {
        switch self {
        case .prune: return .prune
        case .distill: return .distill
        case .quantize: return .quantize
        }
    }

    /// The resolved options as a JSON tree, every default filled in.
    public var config: JSONValue {
        switch self {
        case .prune(let c): return (try? JSONValue(encoding: c)) ?? .null
        case .distill(let c): return (try? JSONValue(encoding: c)) ?? .null
        case .quantize(let c): return (try? JSONValue(encoding: c)) ?? .null
        }
    }
}

public enum StageKind: String, CaseIterable, Codable, Sendable {
    case prune, distill, quantize

    /// The stage's options with every default: what a recipe's overrides are merged over. `seed` is the recipe's.
    func defaults(seed: UInt64) throws -> JSONValue {
        var tree: JSONValue
        switch self {
        case .prune: tree = try JSONValue(encoding: PruneConfig())
        case .distill: tree = try JSONValue(encoding: DistillConfig())
        case .quantize: tree = try JSONValue(encoding: QuantizeConfig())
        }
        if case .object(var o) = tree, o["seed"] != nil { o["seed"] = .number(Double(seed)); tree = .object(o) }
        return tree
    }
}

/// A whole recipe, validated and resolved (every default filled in).
public struct Recipe: Equatable, Sendable {
    /// The recipe file it was read from (named in errors and reports).
    public var file: String
    public var teacher = TeacherSpec()
    /// An ensemble of teachers (the distill stage learns their weighted mean); when given, `teacher` is its first
    /// member (what prune reads and the report compares against) and the recipe's `teacher` key must be absent.
    public var teachers: [TeacherMember] = []
    /// The model the first stage reads; "" means the teacher.
    public var student = ""
    public var data = RecipeData()
    /// Default seed of every stage (a stage's own `seed` overrides it).
    public var seed: UInt64 = 1337
    /// The output folder; "" means runs/<recipe file name without .yaml>.
    public var output = ""
    public var stages: [StageSpec] = []
    public var report = ReportOptions()
    /// Key path ("distill.alpha", "teacher.path") → line in the recipe file, for error messages.
    var lines: [String: Int] = [:]

    public init(file: String) { self.file = file }

    /// " (line N)" for a key path of the recipe, or "" when it came from a default or --set.
    func line(_ key: String) -> String { lines[key].map { " (line \($0))" } ?? "" }

    /// The input of the first stage.
    public var inputPath: String { student.isEmpty ? teacher.path : student }
    /// The reference model of the report (deltas, % of params, speed-up): the teacher, else the student.
    public var referencePath: String { teacher.path.isEmpty ? student : teacher.path }

    /// `01-prune.h5`, `02-distill.h5`, … numbered by position among the stages.
    public func outputName(_ index: Int) -> String {
        String(format: "%02d-%@", index + 1, stages[index].kind.rawValue)
    }
}
