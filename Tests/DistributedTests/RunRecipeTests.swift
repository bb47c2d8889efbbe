// RunRecipeTests: `mpirun -np 2 condense run` of a tiny recipe (train the missing teacher, prune, distill, quantize, report)
// against one process: the report's metrics to 4 digits, the teacher's weights within the derived many-steps bound,
// rank 0 alone writing; kill -9 of a rank mid-distill, then the re-run resumes and finishes.
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct RunRecipeTests {
    /// A folder with the table, the teacher's training config (the many-steps bound's: 50 steps), a 64-32-10 student,
    /// and a recipe per output name (prune the student's hidden layer to 16, distill, quantize) whose teacher file is
    /// its own (so each run trains its teacher).
    struct Setup {
        let dir: URL
        let config: String
        func recipe(_ name: String, distillSteps: Int = 30) throws -> (recipe: String, out: String, teacher: String) {
            let out = dir.appendingPathComponent(name).path, teacher = dir.appendingPathComponent("\(name)-teacher.h5").path
            let path = dir.appendingPathComponent("\(name).yaml").path
            try """
                teacher:
                  path: \(teacher)
                  config: \(config)
                student: \(dir.appendingPathComponent("s.h5").path)
                data:
                  path: \(dir.appendingPathComponent("x.npy").path)
                output: \(out)
                stages:
                  - prune:
                      hidden: "50%"
                      calibration_batches: 2
                      calibration_batch_size: 16
                      latency: false
                  - distill:
                      alpha_grid: [0.5]
                      temperature_grid: [2]
                      train:
                        batch_size: 32
                        steps: \(distillSteps)
                        epochs: 0
                        lr: 0.001
                        warmup_steps: 0
                        grad_clip: 0
                        eval_every: 0
                        checkpoint_every: 5
                        log_every: 1
                  - quantize:
                      activations: dynamic
                      calibration_batch_size: 8
                      latency: false
                report:
                  latency_runs: 2
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return (path, out, teacher)
        }
    }

    func setUp(_ label: String) throws -> Setup {
        let dir = TestSupport.tempDir(label)
        try Fixture.writeTable(dir)
        let cfg = dir.appendingPathComponent("c.yaml").path
        try Fixture.linearConfig(data: dir.appendingPathComponent("x.npy"), steps: ManyStepsBoundTests.steps)
            .write(toFile: cfg, atomically: true, encoding: .utf8)
        try makeNetwork(.mlp(MLPConfig(inputs: Fixture.inputs, hidden: [32], classes: 10)), seed: 1).modelFile()
            .write(to: dir.appendingPathComponent("s.h5").path)
        return Setup(dir: dir, config: cfg)
    }

    @Test func twoRanksRunTheRecipeAsOneProcess() throws {
        let s = try setUp("mpi-run")
        let (r1, o1, t1) = try s.recipe("one"), (r2, o2, t2) = try s.recipe("two")
        let one = try TestSupport.condense(["run", r1])
        try #require(one.status == 0, "\(one.stderr)")
        let two = try TestSupport.mpirun(2, ["run", r2], timeout: 150)
        try #require(two.status == 0, "\(two.stderr)")
        // Rank 0 alone prints: one report table and one summary line.
        #expect(two.stdout.components(separatedBy: "stages: ").count == 2, "\(two.stdout)")
        #expect(two.stderr.components(separatedBy: "[2/3] distill: running").count == 2, "\(two.stderr)")
        try expectSameMetrics(o1, o2)
        // Prune ran on rank 0 alone, on the given student: the one process's weights, bit for bit.
        let (p1, p2) = (try ModelFile.read(o1 + "/01-prune.h5"), try ModelFile.read(o2 + "/01-prune.h5"))
        #expect(p1.parameters.keys.sorted() == p2.parameters.keys.sorted())
        for (k, t) in p1.parameters {
            let u = try #require(p2.parameters[k])
            #expect(t.shape == u.shape && Array(UnsafeBufferPointer(start: t.data, count: t.count)) == Array(UnsafeBufferPointer(start: u.data, count: u.count)), "\(k)")
        }
        // Only rank 0 wrote: the output folder holds exactly the one-process run's files, and the teacher's run folder too.
        #expect(files(o2) == files(o1), "\(files(o2).symmetricDifference(files(o1)))")
        #expect(files(s.dir.appendingPathComponent("two-teacher.run").path) == files(s.dir.appendingPathComponent("one-teacher.run").path))
        // The teacher trained in the run: 50 steps on 2 ranks against one process, within the derived bound.
        let w1 = try Fixture.tensors(URL(fileURLWithPath: t1.replacingOccurrences(of: ".h5", with: ".run/checkpoint.h5")), "model")
        let w2 = try Fixture.tensors(URL(fileURLWithPath: t2.replacingOccurrences(of: ".h5", with: ".run/checkpoint.h5")), "model")
        let bound = try ManyStepsBoundTests.bound(config: s.config, dir: s.dir)
        #expect(Sensitivity.maxDiff(w1, w2) <= bound.value, "teacher: max |Δw| \(Sensitivity.maxDiff(w1, w2)) > bound \(bound.value)")
    }

    @Test func aKilledRankEndsTheRunAndTheRerunResumes() throws {
        let s = try setUp("mpi-run-kill")
        let (r1, o1, _) = try s.recipe("ref", distillSteps: 60), (r2, o2, _) = try s.recipe("kill", distillSteps: 60)
        let ref = try TestSupport.condense(["run", r1])
        try #require(ref.status == 0, "\(ref.stderr)")
        let log = URL(fileURLWithPath: o2 + "/02-distill.run/final/log.jsonl")
        let k = try TestSupport.mpirunKillingOneRank(2, ["run", r2], rank: 1, log: log, afterStep: 12, timeout: 150)
        try #require(k.killed, "the run finished before rank 1 could be killed")
        #expect(k.status != 0 && k.status != 124, "the job ends (not by the test's timeout): \(k.status)")
        #expect(k.stderr.contains("rank 0 of 2: stopped by the launcher"), "\(k.stderr)")
        let at = try #require(Checkpoint.step(at: o2 + "/02-distill.run/final/checkpoint.h5"), "checkpoint readable")
        #expect(at >= 5 && at < 60)
        #expect(!FileManager.default.fileExists(atPath: o2 + "/02-distill.h5"), "no output from the killed stage")
        let again = try TestSupport.mpirun(2, ["run", r2], timeout: 150)
        try #require(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("[1/3] prune: inputs and config unchanged; skipped"), "\(again.stderr)")
        #expect(again.stderr.contains("[2/3] distill: resuming"), "\(again.stderr)")
        #expect(again.stderr.contains("resumed from"), "\(again.stderr)")
        let reference = try TestSupport.trainLosses(URL(fileURLWithPath: o1 + "/02-distill.run/final/log.jsonl"))
        #expect(try TestSupport.trainLosses(log).count == reference.count, "one trajectory in the log")
        try expectSameMetrics(o1, o2)
    }

    /// Every model's report metric and loss, to 4 digits.
    func expectSameMetrics(_ a: String, _ b: String) throws {
        let (ra, rb) = (try report(a), try report(b))
        try #require(ra.models.count == rb.models.count && ra.models.count == 5)
        for (x, y) in zip(ra.models, rb.models) {
            #expect(x.name == y.name)
            #expect(String(format: "%.4f", x.metric) == String(format: "%.4f", y.metric), "\(x.name): \(x.metric) vs \(y.metric)")
            #expect(String(format: "%.4f", x.loss) == String(format: "%.4f", y.loss), "\(x.name): loss \(x.loss) vs \(y.loss)")
        }
    }

    func report(_ out: String) throws -> (models: [(name: String, metric: Double, loss: Double)], json: [String: Any]) {
        let o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as! [String: Any]
        let models = (o["models"] as! [[String: Any]]).map { m in
            (m["name"] as! String, (m["metric"] as! NSNumber).doubleValue, (m["loss"] as! NSNumber).doubleValue)
        }
        return (models, o)
    }

    /// Every file under `dir`, by relative path (folders included).
    func files(_ dir: String) -> Set<String> {
        Set(FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? [])
    }
}
