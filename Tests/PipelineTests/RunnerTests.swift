// RunnerTests: a tiny recipe end to end (teacher trained in seconds), its report's every column, and the skip/--force logic.
import CondenseCore
import Foundation
@testable import Pipeline
import Testing

@Suite(.serialized) struct RunnerTests {
    static let withQuantize = true

    func setUp(_ label: String) throws -> (dir: URL, recipe: Recipe) {
        let dir = try Fixtures.folder(label, ["teacher.yaml": Fixtures.teacherConfig])
        let yaml = Fixtures.tinyRecipe(teacher: dir.appendingPathComponent("teacher.h5").path, output: dir.appendingPathComponent("out").path,
                                       quantize: Self.withQuantize)
        try yaml.write(to: dir.appendingPathComponent("r.yaml"), atomically: true, encoding: .utf8)
        return (dir, try Recipe.load(path: dir.appendingPathComponent("r.yaml").path))
    }

    func mtime(_ path: String) -> Date? { try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date }

    @Test func tinyRecipeEndToEndReportCarriesEveryColumn() throws {
        let (dir, recipe) = try setUp("e2e")
        var lines: [String] = []
        var o = RunOptions(quiet: true)
        o.log = { lines.append($0) }
        let s = try runRecipe(recipe, options: o)
        let out = dir.appendingPathComponent("out").path
        let stages = Self.withQuantize ? ["01-prune", "02-distill", "03-quantize"] : ["01-prune", "02-distill"]
        #expect(lines.contains { $0.contains("teacher.h5 is missing; training it from") }, "the teacher is trained when missing")
        for name in stages { #expect(FileManager.default.fileExists(atPath: "\(out)/\(name).h5")) }
        #expect(s.outcomes.map(\.status) == stages.map { _ in "ran" })

        // report.json: the teacher first, then one entry per stage output, each with every column.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/report.json"))) as! [String: Any]
        let models = json["models"] as! [[String: Any]]
        #expect(models.map { $0["name"] as! String } == ["teacher"] + stages)
        for m in models {
            for key in ["name", "params", "bytes", "metric", "metric_kind", "metric_split", "delta_vs_teacher", "latency_b1_ms",
                        "latency_b64_ms", "params_vs_teacher", "speedup_b1", "speedup_b64", "loss", "accuracy", "sha256"] {
                #expect(m[key] != nil, "\(m["name"] ?? "?") has no \(key)")
            }
            let acc = m["metric"] as! Double
            #expect(acc >= 0 && acc <= 1, "accuracy is a fraction")
            #expect(m["metric_kind"] as? String == "accuracy" && m["metric_split"] as? String == "test")
        }
        let teacherAcc = models[0]["metric"] as! Double
        // the report computes the same Double difference of values in [0, 1]: equal up to one rounding (≤ 1.2e-16)
        for m in models { #expect(abs((m["delta_vs_teacher"] as! Double) - ((m["metric"] as! Double) - teacherAcc)) < 1e-12) }
        #expect(models[0]["params"] as? Int == 784 * 48 + 48 + 48 * 10 + 10)
        #expect(models[1]["params"] as? Int == 784 * 12 + 12 + 12 * 10 + 10, "hidden 25% of 48 = 12")
        #expect((json["stages"] as! [[String: Any]]).map { $0["stage"] as! String } == stages.map { String($0.dropFirst(3)) })
        let distill = (json["stages"] as! [[String: Any]])[1]["details"] as! [String: Any]
        #expect((distill["curve"] as? [Any])?.isEmpty == false, "the distillation curve is in the report")
        #expect((teacherAcc) > 0.5, "the tiny teacher learned something: \(teacherAcc)")
        if Self.withQuantize { #expect(models[3]["quantized"] as? Bool == true && (models[3]["bytes"] as! Int) < (models[2]["bytes"] as! Int)) }

        // report.md: the same columns plus % of teacher params and speed-up, and the plots beside it.
        let md = try String(contentsOfFile: "\(out)/report.md", encoding: .utf8)
        for col in ["| model | params | % of teacher params | bytes on disk | test accuracy | Δ vs teacher | latency b1 (ms) | speed-up b1 | latency b64 (ms) | speed-up b64 |",
                    "| teacher | 38,170 | 100.0 % |", "| 01-prune | 9,550 | 25.0 % |", "test split (10,000 images)", "## Stages", "![curves.svg](curves.svg)"] {
            #expect(md.contains(col), "report.md lacks \(col):\n\(md)")
        }
        for plot in ["curves.svg", "sweep.svg", "params-vs-metric.svg"] {
            let svg = try String(contentsOfFile: "\(out)/\(plot)", encoding: .utf8)
            #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        }
        let sweep = try String(contentsOfFile: "\(out)/sweep.svg", encoding: .utf8)
        #expect(sweep.contains("temperature T") && sweep.contains("distillation weight α"))
        // The resolved recipe is written, and loads back as the same recipe.
        var back = try Recipe.load(path: "\(out)/recipe.resolved.yaml")
        back.file = recipe.file; back.lines = recipe.lines
        #expect(back == recipe)
    }

    @Test func rerunSkipsUnchangedStagesAndForceRedoesThem() throws {
        let (dir, recipe) = try setUp("skip")
        let out = dir.appendingPathComponent("out").path
        _ = try runRecipe(recipe, options: RunOptions(quiet: true))
        let files = ["01-prune.h5", "02-distill.h5"].map { "\(out)/\($0)" }
        let before = files.map(mtime)
        let teacherBefore = try Data(contentsOf: dir.appendingPathComponent("teacher.h5"))

        let again = try runRecipe(recipe, options: RunOptions(quiet: true))
        #expect(again.outcomes.allSatisfy { $0.status == "skipped" }, "\(again.outcomes)")
        #expect(files.map(mtime) == before, "skipped stages do not rewrite their outputs")

        // A changed distill option re-runs distill (and what follows), not prune.
        let changed = try Recipe.load(path: dir.appendingPathComponent("r.yaml").path, overrides: ["distill.alpha=0.5", "distill.temperature=2"])
        let third = try runRecipe(changed, options: RunOptions(quiet: true))
        #expect(third.outcomes.map(\.status).prefix(2) == ["skipped", "ran"])
        #expect(mtime(files[0]) == before[0] && mtime(files[1]) != before[1])

        // --force redoes everything; the teacher (an input) is never touched.
        let forced = try runRecipe(changed, options: RunOptions(force: true, quiet: true))
        #expect(forced.outcomes.allSatisfy { $0.status == "ran" })
        #expect(try Data(contentsOf: dir.appendingPathComponent("teacher.h5")) == teacherBefore)

        // A stage output edited behind the run's back is redone.
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: files[0]))
        let repaired = try runRecipe(changed, options: RunOptions(quiet: true))
        #expect(repaired.outcomes[0].status == "ran")
    }
}
