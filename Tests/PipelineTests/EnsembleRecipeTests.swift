// EnsembleRecipeTests: a recipe's `teachers:` list: an ensemble distill stage end to end (every member's weight in
// the report, the resolved recipe loading back), and the errors of a bad list.
import CondenseCore
import Foundation
@testable import Pipeline
import Testing
import TestSupport

@Suite struct EnsembleRecipeTests {
    func recipe(_ dir: URL, teachers: String, extra: String = "") -> String {
        """
        \(teachers)
        student: \(dir.appendingPathComponent("s.h5").path)
        seed: 3
        output: \(dir.appendingPathComponent("out").path)
        stages:
          - distill:
              method: hard
              hard_mix: 0.5\(extra)
              train:
                steps: 8
                epochs: 0
                batch_size: 32
                warmup_steps: 1
                eval_every: 0
                eval_batches: 2
                checkpoint_every: 0
        report:
          latency: false
          eval_batches: 2
        """
    }

    @Test func anEnsembleRecipeRunsAndLoadsBack() throws {
        let dir = try Fixtures.folder("ensemble-recipe")
        let a = try Fixtures.randomTeacher(dir, "a.h5"), b = try Fixtures.randomTeacher(dir, "b.h5", hidden: [16])
        try Fixtures.randomTeacher(dir, "s.h5", hidden: [8])
        let yaml = recipe(dir, teachers: "teachers:\n  - {path: \(a), weight: 3}\n  - path: \(b)")
        try yaml.write(to: dir.appendingPathComponent("r.yaml"), atomically: true, encoding: .utf8)
        let r = try Recipe.load(path: dir.appendingPathComponent("r.yaml").path)
        #expect(r.teacher.path == a && r.teachers.map(\.weight) == [3, 1])
        guard case .distill(let c) = r.stages[0] else { Issue.record("no distill stage"); return }
        #expect(c.teacher_weights == [3, 1], "the members' weights reach the distill stage")
        _ = try runRecipe(r, options: RunOptions(quiet: true))
        let out = dir.appendingPathComponent("out").path
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/report.json"))) as! [String: Any]
        let details = (json["stages"] as! [[String: Any]])[0]["details"] as! [String: Any]
        let members = (details["teacher"] as! [String: Any])["members"] as! [[String: Any]]
        #expect(members.map { $0["weight"] as! Double } == [0.75, 0.25])
        #expect(details["method"] as? String == "hard")
        var back = try Recipe.load(path: "\(out)/recipe.resolved.yaml")
        back.file = r.file; back.lines = r.lines
        #expect(back == r, "the resolved recipe (with its teachers list) loads back as the same recipe")
    }

    @Test func badTeacherListsAreRefused() throws {
        let dir = try Fixtures.folder("ensemble-recipe-bad")
        let a = try Fixtures.randomTeacher(dir, "a.h5")
        try Fixtures.randomTeacher(dir, "s.h5", hidden: [8])
        let both = Fixtures.error { _ = try Fixtures.load(recipe(dir, teachers: "teacher: {path: \(a)}\nteachers:\n  - path: \(a)")) }
        #expect(both?.contains("r.yaml: teachers: expected either teacher (one model) or teachers (an ensemble), found both") == true, "\(both ?? "no error")")
        let typo = Fixtures.error { _ = try Fixtures.load(recipe(dir, teachers: "teachers:\n  - {path: \(a), wieght: 2}")) }
        #expect(typo?.contains("teachers[0].wieght: unknown key \"wieght\"") == true && typo?.contains("did you mean \"weight\"?") == true, "\(typo ?? "no error")")
        let negative = Fixtures.error { _ = try Fixtures.load(recipe(dir, teachers: "teachers:\n  - {path: \(a), weight: -1}")) }
        #expect(negative?.contains("teachers[0].weight: expected a finite weight ≥ 0, found -1.0") == true, "\(negative ?? "no error")")
        let count = Fixtures.error {
            _ = try Fixtures.load(recipe(dir, teachers: "teachers:\n  - path: \(a)\n  - path: \(a)", extra: "\n      teacher_weights: [1, 2, 3]"))
        }
        #expect(count?.contains("distill.teacher_weights: expected one weight per teacher (2), found 3") == true, "\(count ?? "no error")")
        let missing = Fixtures.error { _ = try Fixtures.load(recipe(dir, teachers: "teachers:\n  - path: \(a)\n  - path: \(dir.path)/nope.h5")) }
        #expect(missing?.contains("teachers[1].path: the teacher \(dir.path)/nope.h5 does not exist") == true, "\(missing ?? "no error")")
        let soft = Fixtures.error { _ = try Fixtures.load(recipe(dir, teachers: "teacher: {path: \(a)}").replacingOccurrences(of: "method: hard", with: "method: soft")) }
        #expect(soft?.contains("distill.hard_mix: expected its default (0): it applies to method hard only") == true, "\(soft ?? "no error")")
    }
}
