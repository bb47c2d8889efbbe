// ResumeAcrossRanksTests: many steps on 2 ranks against one process (validation metric to 4 digits); kill -9 of one
// rank (the others say why, the checkpoint stays intact); resumes 2 → 2 (the same trajectory), 2 → 1 and 1 → 2.
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct ResumeAcrossRanksTests {
    static let steps = 150

    @Test func twoRanksMatchOneProcessAndResumeAcrossRankCounts() throws {
        let (dir, cfg) = try Fixture.linearRun("mpi-resume", steps: Self.steps, checkpointEvery: 10)
        func out(_ n: String) -> String { dir.appendingPathComponent(n + ".h5").path }
        func log(_ n: String) -> URL { dir.appendingPathComponent(n + ".run/log.jsonl") }

        // Uninterrupted: one process, and two ranks on the same global batch.
        let u1 = try TestSupport.condense(["train", cfg.path, "-o", out("u1")])
        let u2 = try TestSupport.mpirun(2, ["train", cfg.path, "-o", out("u2")], timeout: 120)
        try #require(u1.status == 0 && u2.status == 0, "\(u1.stderr)\n\(u2.stderr)")
        let (v1, v2) = (try Fixture.lastVal(log("u1")), try Fixture.lastVal(log("u2")))
        #expect(String(format: "%.4f", v1.loss) == String(format: "%.4f", v2.loss), "val loss \(v1.loss) vs \(v2.loss)")
        #expect(String(format: "%.4f", v1.metric) == String(format: "%.4f", v2.metric), "val accuracy \(v1.metric) vs \(v2.metric)")

        // kill -9 of rank 1: the job ends, rank 0 says why, and the checkpoint is whole.
        let k = try TestSupport.mpirunKillingOneRank(2, ["train", cfg.path, "-o", out("k2")], rank: 1, log: log("k2"), afterStep: 30)
        try #require(k.killed, "the job finished before rank 1 could be killed")
        #expect(k.status != 0 && k.status != 124, "the job ends (not by the test's timeout): \(k.status)")
        #expect(k.stderr.contains("rank 0 of 2: stopped by the launcher"), "\(k.stderr)")
        let at = try #require(Checkpoint.step(at: dir.appendingPathComponent("k2.run/checkpoint.h5").path), "checkpoint readable")
        #expect(at >= 10 && at < Self.steps)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("k2.run"), to: dir.appendingPathComponent("k21.run"))

        // 2 → 2: the same operations in the same order, so the same losses, bit for bit (logged as exact Doubles).
        let r22 = try TestSupport.mpirun(2, ["train", cfg.path, "-o", out("k2"), "--resume"], timeout: 120)
        try #require(r22.status == 0, "\(r22.stderr)")
        #expect(r22.stderr.contains("resumed from"), "\(r22.stderr)")
        let (ref, got) = (try TestSupport.trainLosses(log("u2")), try TestSupport.trainLosses(log("k2")))
        #expect(got.count == Self.steps && ref.allSatisfy { got[$0.key] == $0.value }, "resumed 2-rank losses differ")

        // 2 → 1 and 1 → 2: the same global batches from the checkpointed sampler, summed in another order.
        let r21 = try TestSupport.condense(["train", cfg.path, "-o", out("k21"), "--resume"])
        try #require(r21.status == 0, "\(r21.stderr)")
        let k1 = try TestSupport.runKilled(["train", cfg.path, "-o", out("k12")], log: log("k12"), afterStep: 30)
        try #require(k1, "the one-process run finished before it could be killed")
        let r12 = try TestSupport.mpirun(2, ["train", cfg.path, "-o", out("k12"), "--resume"], timeout: 120)
        try #require(r12.status == 0, "\(r12.stderr)")
        for n in ["k21", "k12"] {
            let v = try Fixture.lastVal(log(n))
            #expect(String(format: "%.4f", v.loss) == String(format: "%.4f", v1.loss), "\(n): val loss \(v.loss) vs \(v1.loss)")
            #expect(String(format: "%.4f", v.metric) == String(format: "%.4f", v1.metric), "\(n): val accuracy \(v.metric) vs \(v1.metric)")
            #expect(try TestSupport.trainLosses(log(n)).count == Self.steps, "\(n): one trajectory in the log")
        }
    }
}
