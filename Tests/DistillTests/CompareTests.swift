// CompareTests: `compare`: every listed method at the same budget in its own folder, the winner by validation metric,
// a rerun that redoes nothing, an interrupted comparison resumed, and bad lists refused.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Distill

@Suite struct CompareTests {
    let w = Synthetic.weights(features: 16, classes: 4, seed: 3)

    func compare(in dir: String, log: @escaping (String) -> Void) throws -> (ModelFile, StageReport) {
        var c = DistillConfig()
        c.compare = ["finetune", "scratch", "soft"]
        c.alpha = .fixed(1); c.temperature = .fixed(2)
        c.train.steps = 40; c.train.epochs = 0; c.train.batch_size = 32; c.train.eval_every = 10
        c.train.warmup_steps = 5; c.train.log_every = 10; c.train.checkpoint_every = 0; c.train.eval_batches = 2
        var run = DistillRunOptions(runDir: dir, quiet: true)
        run.log = log
        return try distill(student: Synthetic.mlp(16, [8], 4, seed: 1), teachers: [Synthetic.oracle(w: w, features: 16, classes: 4)],
                           config: c, data: Synthetic.task(noise: 0.3, w: w), run: run)
    }

    @Test func everyMethodIsComparedAtEqualBudgetAndTheBestValidationMetricWins() throws {
        let dir = TestSupport.tempDir("compare").path
        var lines: [String] = []
        let (model, report) = try compare(in: dir) { lines.append($0) }
        let c = try #require(try DistillDetails(report: report).comparison)
        #expect(c.methods.map(\.method) == ["finetune", "scratch", "soft"])
        // The same budget: 40 steps of 32 examples each.
        #expect(c.methods.allSatisfy { $0.seen == 40 * 32 }, "\(c.methods.map(\.seen))")
        let best = c.methods.max { $0.val.metric < $1.val.metric }!
        #expect(c.winner == best.method && report.metric_after == best.val.metric)
        #expect(c.methods.allSatisfy { $0.val.split == "val" })
        // Each curve: the evaluations every 10 steps, against examples seen, ending at the budget.
        #expect(c.methods.allSatisfy { $0.curve.map(\.seen) == [320, 640, 960, 1280] }, "\(c.methods.map(\.curve))")
        let winner = try ModelFile.read(dir + "/compare/\(c.winner)/model.h5")
        #expect(winner.parameters.keys.sorted().allSatisfy { winner.parameters[$0]!.array == model.parameters[$0]!.array })

        // A rerun finds every method complete: nothing is trained again, and the records are untouched.
        let stamps = try c.methods.map { try FileManager.default.attributesOfItem(atPath: dir + "/compare/\($0.method)/result.json")[.modificationDate] as! Date }
        var again: [String] = []
        let (_, r2) = try compare(in: dir) { again.append($0) }
        let c2 = try #require(try DistillDetails(report: r2).comparison)
        for m in ["finetune", "scratch", "soft"] {
            #expect(again.contains { $0.hasPrefix("compare: \(m): complete") && $0.hasSuffix("not redone") }, "\(again)")
        }
        #expect(c2.methods.map(\.completed) == c.methods.map(\.completed) && c2.winner == c.winner)
        let stamps2 = try c.methods.map { try FileManager.default.attributesOfItem(atPath: dir + "/compare/\($0.method)/result.json")[.modificationDate] as! Date }
        #expect(stamps2 == stamps)
    }

    @Test func namesAreKnownAndGivenOnce() throws {
        func message(_ names: [String]) -> String {
            var c = DistillConfig(); c.compare = names
            do { try c.validate(); return "no error" } catch { return "\(error)" }
        }
        #expect(message(["soft", "bogus"]) == "distill: compare: expected method names among \(DistillConfig.compareNames.joined(separator: ", ")), found \"bogus\"")
        #expect(message(["soft", "finetune", "soft"]) == "distill: compare: expected each method once, found \"soft\" twice")
        #expect(DistillConfig.compareNames.starts(with: DistillMethodName.allCases.map(\.rawValue)))
    }
}

@Suite struct CompareCommandTests {
    /// Killed while the second method trains: a rerun (without --resume) does not redo the first and continues the
    /// second from its checkpoint onto the uninterrupted run's losses; a further --resume finds both complete.
    @Test func anInterruptedComparisonResumesWithoutRedoingFinishedMethods() throws {
        let dir = TestSupport.tempDir("compare-resume")
        let student = dir.appendingPathComponent("s.h5").path, teacher = dir.appendingPathComponent("t.h5").path
        try Synthetic.mlp(784, [32], 10, seed: 1).write(to: student)
        try Synthetic.mlp(784, [64], 10, seed: 2).write(to: teacher)
        let args = ["distill", student, "--teacher", teacher, "--compare", "finetune,scratch",
                    "--steps", "300", "--batch-size", "32", "--checkpoint-every", "40", "--eval-every", "100",
                    "--eval-batches", "2", "--log-every", "1", "--warmup-steps", "10", "--seed", "7"]
        let r = try TestSupport.killAndResume(args, in: dir) { $0.appendingPathComponent("compare/scratch/final/log.jsonl") }
        #expect(r.killed, "the run finished before it could be killed")
        #expect(r.reference.count == 300)
        let rerun = r.restartWithoutResume
        #expect(rerun.status == 0 && rerun.stderr.contains("compare: finetune: complete") && rerun.stderr.contains("resumed from"),
                "\(rerun.stderr)")
        #expect(!rerun.stderr.contains("compare: finetune: running"))
        let worst = r.reference.map { abs($0.value - (r.resumed[$0.key] ?? .infinity)) }.max() ?? .infinity
        #expect(worst <= 1e-6, "largest train-loss difference between the runs: \(worst)")
        #expect(r.resume.status == 0 && r.resume.stderr.contains("compare: finetune: complete") && r.resume.stderr.contains("compare: scratch: complete"),
                "\(r.resume.stderr)")
        #expect(r.resume.stdout.contains("compare finetune:") && r.resume.stdout.contains("compare scratch:"), "\(r.resume.stdout)")
    }

    @Test(arguments: [("soft,bogus", "distill: --compare: expected method names among"),
                      ("soft,hard,soft", "distill: --compare: expected each method once, found \"soft\" twice")])
    func aBadListIsOneLineAndWritesNothing(list: String, message: String) throws {
        let dir = TestSupport.tempDir("compare-bad")
        let student = dir.appendingPathComponent("s.h5").path, teacher = dir.appendingPathComponent("t.h5").path
        try Synthetic.mlp(16, [8], 4, seed: 1).write(to: student)
        try Synthetic.mlp(16, [12], 4, seed: 2).write(to: teacher)
        let out = dir.appendingPathComponent("o.h5").path
        let r = try TestSupport.condense(["distill", student, "--teacher", teacher, "--compare", list, "-o", out, "--steps", "5"])
        #expect(r.status == 1 && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out) && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.run").path))
    }
}
