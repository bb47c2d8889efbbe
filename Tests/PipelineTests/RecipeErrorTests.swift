// RecipeErrorTests: every way a recipe can be wrong is one error naming the file, the key, the line, expected and found.
import CondenseCore
import Foundation
@testable import Pipeline
import Testing

@Suite struct RecipeErrorTests {
    /// A valid recipe around a real (random) teacher, with `stages` spliced in.
    func recipe(_ stages: String, extra: String = "") throws -> String {
        let dir = try Fixtures.folder("recipe")
        let t = try Fixtures.randomTeacher(dir)
        return "teacher:\n  path: \(t)\n\(extra)stages:\n\(stages)"
    }

    func expectError(_ yaml: String, overrides: [String] = [], _ fragments: [String]) {
        let message = Fixtures.error { _ = try Fixtures.load(yaml, overrides: overrides) }
        #expect(message != nil, "expected an error containing \(fragments)")
        for f in fragments { #expect(message?.contains(f) == true, "expected \(f.debugDescription) in: \(message ?? "no error")") }
    }

    @Test func unknownStageOptionNamesClosestKeyAndLine() throws {
        let y = try recipe("  - prune:\n      hidden: \"50%\"\n  - distill:\n      alpah: 0.5\n")
        expectError(y, ["r.yaml: distill.alpah: unknown key \"alpah\" (line 7); did you mean \"alpha\"?"])
    }

    @Test func unknownTopLevelKeyAndUnknownStage() throws {
        expectError("teacher:\n  path: t.h5\nstagse: []\n", ["r.yaml: stagse: unknown key \"stagse\" (line 3); did you mean \"stages\"?"])
        expectError("teacher:\n  path: t.h5\nstages:\n  - prnue: {}\n", ["stages[0].prnue: unknown stage \"prnue\" (line 4); did you mean \"prune\"?"])
        expectError("teacher:\n  path: t.h5\nteacher_path: x\n", ["unknown key \"teacher_path\" (line 3)"])
    }

    @Test func budgetKeyOutsideTrainPointsToTrain() throws {
        let y = try recipe("  - prune:\n      hidden: \"50%\"\n  - distill:\n      epochs: 3\n")
        expectError(y, ["distill.epochs: unknown key \"epochs\" (line 7); did you mean \"train.epochs\"?"])
    }

    @Test func wrongTypeNamesKeyFoundValueAndLine() throws {
        expectError(try recipe("  - prune:\n      hidden: \"50%\"\n", extra: "seed: lots\n"), ["r.yaml: seed:", "found \"lots\"", "(line 3)"])
        let y = try recipe("  - prune:\n      hidden: \"50%\"\n  - distill:\n      train:\n        steps: many\n")
        expectError(y, ["distill.train.steps", "found \"many\"", "(line 8)"])
        expectError(try recipe("  - distill:\n      alpha: high\n", extra: "student: s.h5\n"), ["distill.alpha", "expected \"auto\" or a number", "(line 6)"])
        expectError(try recipe("  - prune: [1, 2]\n"), ["stages[0].prune: expected a mapping of prune options (or nothing, for every default), found [1,2] (line 4)"])
    }

    @Test func outOfRangeValues() throws {
        let y = try recipe("  - prune:\n      hidden: \"50%\"\n  - distill:\n      alpha: 1.5\n")
        expectError(y, ["r.yaml: distill.alpha: expected \"auto\" or a number in [0, 1], found 1.5 (line 7)"])
        expectError(try recipe("  - prune:\n      hidden: \"50%\"\n  - distill:\n      train:\n        lr: -1\n"),
                    ["distill.train.lr: expected > 0, found -1.0 (line 8)"])
        expectError(try recipe("  - quantize:\n      percentile: 150\n"), ["quantize.percentile: expected a percentile in (0, 100], found 150.0 (line 5)"])
        expectError(try recipe("  - quantize:\n      activations: dinamic\n"), ["quantize.activations: expected dynamic or static, found \"dinamic\" (line 5)"])
        expectError(try recipe("  - quantize:\n      calibration_batch_size: 0\n"), ["quantize.calibration_batch_size: expected ≥ 1, found 0 (line 5)"])
        expectError(try recipe("  - quantize:\n      keep: [\"a b\"]\n"), ["quantize.keep: expected a layer pattern of letters", "found \"a b\" (line 5)"])
        expectError(try recipe("  - prune:\n      hidden: \"0\"\n"), ["prune.hidden: expected widths as counts or ratios", "found \"0\" (line 5)"])
        expectError(try recipe("  - prune:\n      hidden: \"5000\"\n"), ["prune.hidden: expected at most 32 units (the teacher's width), found 5000 (line 5)"])
        expectError(try recipe("  - prune:\n      criterion: magnitud\n      hidden: \"16\"\n"), ["prune.criterion: expected one of activation, magnitude, taylor"])
        expectError(try recipe("  - prune: {}\n"), ["prune: no target given"])
        expectError(try recipe("  - prune:\n      heads: \"4\"\n"), ["prune.heads: applies to gpt models only; the teacher is an mlp"])
        expectError(try recipe("  - quantize: {}\n", extra: "report:\n  split: train\n"), ["report.split: expected val or test, found \"train\" (line 4)"])
        expectError(try recipe("  - quantize: {}\n", extra: "data:\n  name: shakespeare\n"), ["data.name: expected fashion-mnist (the data set a mlp model fits)"])
    }

    @Test func illegalStageOrders() throws {
        expectError(try recipe("  - quantize: {}\n  - prune:\n      hidden: \"16\"\n"),
                    ["stages[0].quantize: illegal stage order (line 4): prune follows quantize (stages: quantize → prune); quantize comes last"])
        expectError(try recipe("  - distill: {}\n"), ["stages[0].distill: illegal stage order (line 4)", "distill the teacher into itself"])
        expectError(try recipe("  - prune:\n      hidden: \"16\"\n  - prune:\n      hidden: \"8\"\n"), ["prune appears twice, at stages[0] and stages[1]"])
        let dir = try Fixtures.folder("recipe")
        let s = try Fixtures.randomTeacher(dir, "student.h5")
        expectError("student: \(s)\nstages:\n  - distill: {}\n", ["stages[0].distill: illegal stage order (line 3): the recipe has no teacher", "distill needs a teacher"])
        // The same stages are legal once a student is given: distill first is fine then.
        let t = try Fixtures.randomTeacher(dir, "t.h5")
        #expect(try Fixtures.load("teacher:\n  path: \(t)\nstudent: \(s)\nstages:\n  - distill: {}\n  - quantize: {}\n").stages.count == 2)
    }

    @Test func missingTeacher() throws {
        expectError("teacher:\n  path: /nonexistent/t.h5\nstages:\n  - quantize: {}\n",
                    ["r.yaml: teacher.path: the teacher /nonexistent/t.h5 does not exist (line 2)", "set teacher.config"])
        expectError("teacher:\n  path: /nonexistent/t.h5\n  config: /nonexistent/c.yaml\nstages:\n  - quantize: {}\n",
                    ["teacher.config: /nonexistent/c.yaml: cannot read the config file", "(line 3)"])
        expectError("stages:\n  - quantize: {}\n", ["teacher.path: expected a teacher model file (or a student to start from), found neither"])
        let dir = try Fixtures.folder("recipe", ["bad.yaml": "model:\n  family: mlp\ntrain:\n  stpes: 3\n"])
        expectError("teacher:\n  path: /nonexistent/t.h5\n  config: \(dir.path)/bad.yaml\nstages:\n  - quantize: {}\n",
                    ["train.stpes: unknown key \"stpes\" (line 4); did you mean \"steps\"?"])
    }

    @Test func setOverridesAStageOption() throws {
        let y = try recipe("  - prune:\n      hidden: \"50%\"\n  - distill:\n      alpha: 0.9\n")
        let r = try Fixtures.load(y, overrides: ["distill.alpha=0.5", "distill.train.steps=77", "seed=9", "prune.hidden=8"])
        guard case .distill(let d) = r.stages[1], case .prune(let p) = r.stages[0] else { Issue.record("stages"); return }
        #expect(d.alpha == .fixed(0.5) && d.train.steps == 77 && p.hidden == "8", "\(d.alpha) \(d.train.steps) \(p.hidden ?? "-") \(d.seed): a number given for a count-or-ratio option is its text")
        #expect(r.seed == 9 && d.seed == 9 && p.seed == 9, "the recipe seed is every stage's default seed")
        expectError(y, overrides: ["quantize.activations=static"], ["the recipe has no quantize stage (its stages: prune, distill)"])
        expectError(y, overrides: ["distill.alfa=0.5"], ["distill.alfa: unknown key \"alfa\"; did you mean \"alpha\"?"])
        expectError(y, overrides: ["distill.alpha=2"], ["distill.alpha: expected \"auto\" or a number in [0, 1], found 2.0"])
    }

    @Test func resolvedRecipeFillsEveryDefaultAndLoadsBack() throws {
        let y = try recipe("  - prune:\n      hidden: \"50%\"\n  - distill:\n      alpha: 0.5\n  - quantize: {}\n")
        let r = try Fixtures.load(y)
        #expect(r.data.name == "fashion-mnist", "the data set follows from the teacher's family")
        #expect(r.output == "runs/r")
        let text = r.resolvedYAML
        for key in ["calibration_batches: 64", "alpha: 0.5", "temperature: \"auto\"", "weight_decay: 0.05", "activations: \"dynamic\"",
                    "latency_runs: 7", "split: \"test\""] {
            #expect(text.contains(key), "\(key) missing from the resolved recipe:\n\(text)")
        }
        var back = try Recipe.load(yaml: text, file: "r.yaml")
        back.lines = r.lines
        #expect(back == r)
    }
}
