// CompareTests: `compare`: every listed method at the same budget in its own folder, the winner by validation metric,
// a rerun that redoes nothing, an interrupted comparison resumed, a teacher-free list without a teacher, and bad lists refused.
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

    /// Without a teacher, finetune and scratch train on the task loss alone at the same budget, finetune from the
    /// given student (its run starts at the student's validation result) and scratch from a random init; the loss
    /// falls in both, and no teacher appears in the details.
    @Test func withoutATeacherFinetuneAndScratchTrainOnTheTaskLoss() throws {
        var c = DistillConfig()
        c.compare = ["finetune", "scratch"]
        c.train.steps = 40; c.train.epochs = 0; c.train.batch_size = 32; c.train.eval_every = 10
        c.train.warmup_steps = 5; c.train.log_every = 10; c.train.checkpoint_every = 0; c.train.eval_batches = 2
        let data = Synthetic.task(noise: 0.3, w: w), student = Synthetic.mlp(16, [8], 4, seed: 1)
        let dir = TestSupport.tempDir("compare-alone").path
        let given = try evaluate(makeNetwork(student), on: try data.split(.val), splitName: "val", context: 0, maxBatches: 2)
        let weights = student.parameters.mapValues(\.array)
        let (_, r) = try distill(student: student, teachers: [], config: c, data: data, run: DistillRunOptions(runDir: dir, quiet: true))
        #expect(student.parameters.mapValues(\.array) == weights, "the given student is not changed")
        let d = try DistillDetails(report: r), cmp = try #require(d.comparison)
        #expect(cmp.methods.map(\.method) == ["finetune", "scratch"] && cmp.methods.allSatisfy { $0.seen == 40 * 32 })
        #expect(d.teacher == nil && cmp.methods.allSatisfy { $0.generation == nil })
        for name in ["finetune", "scratch"] {
            let record = try JSONDecoder().decode(CompareRecord.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/compare/\(name)/result.json")))
            let sub = try DistillDetails(report: record.report)
            #expect(sub.teacher == nil && sub.search.steps == 0 && sub.final.steps == 40)
            #expect(sub.student_after.loss < sub.student_before.loss, "\(name): \(sub.student_before.loss) → \(sub.student_after.loss)")
            #expect((sub.student_before.loss == given.loss) == (name == "finetune"), "\(name) starts from \(sub.student_before.loss), the student is at \(given.loss)")
        }
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

    /// A list of methods that need no teacher (mutual, finetune, scratch) runs without --teacher; one that learns
    /// from a teacher still asks for it, in one line.
    @Test func aComparisonOfTeacherFreeMethodsNeedsNoTeacher() throws {
        let dir = TestSupport.tempDir("compare-no-teacher")
        let student = dir.appendingPathComponent("s.h5").path, peer = dir.appendingPathComponent("p.h5").path
        try Synthetic.mlp(784, [32], 10, seed: 1).write(to: student)
        try Synthetic.mlp(784, [16], 10, seed: 2).write(to: peer)
        let common = ["--steps", "20", "--batch-size", "32", "--eval-every", "10", "--eval-batches", "2", "--warmup-steps", "5",
                      "--seed", "7"]
        let out = dir.appendingPathComponent("o.h5").path
        let r = try TestSupport.condense(["distill", student, "--compare", "mutual,finetune,scratch", "--peer", peer, "-o", out] + common)
        #expect(r.status == 0 && FileManager.default.fileExists(atPath: out), "\(r.stderr)")
        for m in ["mutual", "finetune", "scratch"] { #expect(r.stdout.contains("compare \(m):"), "\(r.stdout)") }
        let out2 = dir.appendingPathComponent("o2.h5").path
        let r2 = try TestSupport.condense(["distill", student, "--compare", "soft,scratch", "--alpha", "0.5", "--temperature", "2",
                                           "-o", out2] + common)
        #expect(r2.status == 1 && r2.stderr.split(separator: "\n").count == 1 && r2.stderr.contains("--teacher: expected a teacher model file"),
                "\(r2.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out2))
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
