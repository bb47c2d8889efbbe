// MethodsRecipeTests: a distill stage with method mutual, or comparing teacher-free methods, runs without a teacher; one with compare writes the
// methods' table and plot into the report and hands the winner to the next stage.
import CondenseCore
import Foundation
@testable import Pipeline
import Testing
import TestSupport

@Suite struct MethodsRecipeTests {
    let train = """
              train:
                steps: 12
                epochs: 0
                batch_size: 32
                warmup_steps: 1
                eval_every: 6
                eval_batches: 2
                checkpoint_every: 0
        """
    let report = """
        report:
          latency: false
          eval_batches: 2
        """

    /// A recipe with no teacher: a student, a peer, one distill stage (`body`, its lines after `- distill:`), run;
    /// the YAML and the stage's details.
    func teacherFree(_ name: String, _ body: String) throws -> (yaml: String, details: [String: Any]) {
        let dir = try Fixtures.folder(name)
        let s = try Fixtures.randomTeacher(dir, "s.h5", hidden: [8]), p = try Fixtures.randomTeacher(dir, "p.h5", hidden: [16])
        let yaml = """
        student: \(s)
        seed: 3
        output: \(dir.appendingPathComponent("out").path)
        stages:
          - distill:
        \(body.replacingOccurrences(of: "PEER", with: p))
        """ + "\n" + train + "\n" + report
        let r = try Fixtures.load(yaml)
        #expect(r.teacher.path.isEmpty)
        _ = try runRecipe(r, options: RunOptions(quiet: true))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/report.json"))) as! [String: Any]
        return (yaml, (json["stages"] as! [[String: Any]])[0]["details"] as! [String: Any])
    }

    @Test func aMutualStageNeedsNoTeacher() throws {
        let (yaml, details) = try teacherFree("mutual-recipe", "      method: mutual\n      peers: [PEER]")
        #expect(details["method"] as? String == "mutual" && details["teacher"] == nil)
        let nets = (details["mutual"] as! [String: Any])["networks"] as! [[String: Any]]
        #expect(nets.map { $0["name"] as! String } == ["student", "peer1"])
        let noPeer = Fixtures.error { _ = try Fixtures.load(yaml.replacing(#/peers: \[.*\]/#, with: "mutual_alpha: 0.5")) }
        #expect(noPeer?.contains("distill.peers: expected at least one peer model with method mutual") == true, "\(noPeer ?? "no error")")
    }

    @Test func aCompareStageOfTeacherFreeMethodsNeedsNoTeacher() throws {
        let (yaml, details) = try teacherFree("compare-no-teacher-recipe", "      compare: [mutual, finetune, scratch]\n      peers: [PEER]")
        let methods = (details["comparison"] as! [String: Any])["methods"] as! [[String: Any]]
        #expect(methods.map { $0["method"] as! String } == ["mutual", "finetune", "scratch"] && details["teacher"] == nil)
        let withSoft = Fixtures.error { _ = try Fixtures.load(yaml.replacingOccurrences(of: "compare: [mutual, finetune, scratch]", with: "compare: [mutual, soft]")) }
        #expect(withSoft?.contains("teacher") == true, "\(withSoft ?? "no error")")
    }

    @Test func aCompareStageReportsEveryMethodAndContinuesWithTheWinner() throws {
        let dir = try Fixtures.folder("compare-recipe")
        let t = try Fixtures.randomTeacher(dir, "t.h5"), s = try Fixtures.randomTeacher(dir, "s.h5", hidden: [8])
        let yaml = """
        teacher: {path: \(t)}
        student: \(s)
        seed: 3
        output: \(dir.appendingPathComponent("out").path)
        stages:
          - distill:
              compare: [finetune, hard]
        """ + "\n" + train + "\n  - quantize: {}\n" + report
        _ = try runRecipe(try Fixtures.load(yaml), options: RunOptions(quiet: true))
        let out = dir.appendingPathComponent("out").path
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(md.contains("## Distillation methods at equal budget") && md.contains("| finetune |") && md.contains("| hard |"), "\(md)")
        let svg = try String(contentsOfFile: out + "/compare.svg", encoding: .utf8)
        #expect(svg.contains("finetune") && svg.contains("hard") && svg.contains("examples seen by the student"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as! [String: Any]
        let stages = json["stages"] as! [[String: Any]]
        let comparison = (stages[0]["details"] as! [String: Any])["comparison"] as! [String: Any]
        let methods = comparison["methods"] as! [[String: Any]]
        let vals = methods.map { (($0["val"] as! [String: Any])["accuracy"] as! Double) }
        let winner = comparison["winner"] as! String
        #expect(winner == (vals[1] > vals[0] ? "hard" : "finetune"))
        // The distill stage's output, which the quantize stage reads, is the winner's model.
        let stage = try ModelFile.read(out + "/01-distill.h5"), won = try ModelFile.read(out + "/01-distill.run/compare/\(winner)/model.h5")
        #expect(stage.parameters.keys.sorted().allSatisfy { stage.parameters[$0]!.array == won.parameters[$0]!.array })
        #expect(stages.map { $0["stage"] as? String } == ["distill", "quantize"])
    }
}
