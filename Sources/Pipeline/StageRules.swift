// StageRules: the stage-order rules of a recipe, written as data, and the one function that checks them.
import CondenseCore
import Foundation

/// One rule about where a stage may appear in a recipe and what it needs.
struct StageRule: Sendable {
    enum Check: Sendable {
        /// The stage appears at most once (its output file is numbered by position, `--set` addresses it by name).
        case once
        /// No stage may follow it; only the report's evaluation runs after it.
        case last
        /// The recipe must name a teacher (unless the stage's method takes none: mutual learning).
        case needsTeacher
        /// Its input must differ from the teacher: an earlier stage, or the recipe's `student`.
        case needsStudent
    }
    let stage: StageKind
    let check: Check
    /// Why the rule exists; the error message ends with it.
    let because: String
}

extension Recipe {
    /// The rules, checked in this order. docs/RECIPES.md lists them.
    static let stageRules: [StageRule] = [
        StageRule(stage: .prune, check: .once, because: "each stage runs at most once per recipe"),
        StageRule(stage: .distill, check: .once, because: "each stage runs at most once per recipe"),
        StageRule(stage: .quantize, check: .once, because: "each stage runs at most once per recipe"),
        StageRule(stage: .quantize, check: .last,
                  because: "quantize comes last: prune and distill need a float model, and only evaluation (the report) follows quantize"),
        StageRule(stage: .distill, check: .needsTeacher,
                  because: "distill needs a teacher: set teacher.path (and teacher.config to train it when the file is missing)"),
        StageRule(stage: .distill, check: .needsStudent,
                  because: "distill needs a student that differs from the teacher: put prune before it, or set student to a smaller model file"),
    ]

    /// Checks `stageRules`; the first broken rule is an error naming the stage, its position and its line.
    func checkStageOrder() throws {
        let kinds = stages.map(\.kind)
        for rule in Self.stageRules {
            for (i, kind) in kinds.enumerated() where kind == rule.stage {
                let at = "stages[\(i)]"
                let where_ = line("\(at).\(kind.rawValue)")
                var broken: String?
                switch rule.check {
                case .once:
                    if let first = kinds.firstIndex(of: kind), first < i {
                        broken = "\(kind.rawValue) appears twice, at stages[\(first)] and \(at)"
                    }
                case .last:
                    if i < kinds.count - 1 {
                        broken = "\(kinds[i + 1].rawValue) follows \(kind.rawValue) (stages: \(kinds.map(\.rawValue).joined(separator: " → ")))"
                    }
                case .needsTeacher:
                    if teacher.path.isEmpty && stages[i].needsTeacher { broken = "the recipe has no teacher (teacher.path is empty)" }
                case .needsStudent:
                    if i == 0 && student.isEmpty { broken = "\(kind.rawValue) is the first stage and student is empty, so it would distill the teacher into itself" }
                }
                if let broken {
                    throw FormatError(file: file, path: "\(at).\(kind.rawValue)", "illegal stage order\(where_): \(broken); \(rule.because)")
                }
            }
        }
    }
}

extension StageSpec {
    /// Whether the stage learns from the recipe's teacher (a distill stage whose method needs one).
    var needsTeacher: Bool {
        if case .distill(let c) = self { return c.needsTeacher }
        return true
    }
}
