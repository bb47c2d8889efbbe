// MPIReducerTests: `mpirun -np 2` train and distill against one process on the same global batch: one step within the
// derived bound (Support.swift), and rank 0 alone writing and printing.
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct MPIReducerTests {
    @Test func oneTrainingStepOnTwoRanksEqualsOneProcess() throws {
        let (dir, cfg) = try Fixture.linearRun("mpi-train-step", steps: 1)
        let one = try TestSupport.condense(["train", cfg.path, "-o", dir.appendingPathComponent("a.h5").path])
        // Buckets of 256 floats: the 640-float weight is cut across three calls and the bias shares the last one.
        let two = try TestSupport.mpirun(2, ["train", cfg.path, "-o", dir.appendingPathComponent("b.h5").path], timeout: 90,
                                         environment: ["CONDENSE_MPI_BUCKET_FLOATS": "256"])
        try #require(one.status == 0, "\(one.stderr)")
        try #require(two.status == 0, "\(two.stderr)")
        // Rank 0 alone prints: one progress line and one summary, and no rank's line but rank 0's.
        #expect(two.stderr.components(separatedBy: "step 1/1 ").count == 2, "\(two.stderr)")
        #expect(two.stdout.components(separatedBy: "wrote ").count == 2, "\(two.stdout)")
        try compareOneStep(dir.appendingPathComponent("a.run/checkpoint.h5"), dir.appendingPathComponent("b.run/checkpoint.h5"),
                           columnSum: 1, teacherLogits: 0)
        let (a, b) = (try Fixture.lastVal(dir.appendingPathComponent("a.run/log.jsonl")),
                      try Fixture.lastVal(dir.appendingPathComponent("b.run/log.jsonl")))
        #expect(String(format: "%.4f", a.loss) == String(format: "%.4f", b.loss), "val loss \(a.loss) vs \(b.loss)")
        #expect(String(format: "%.4f", a.metric) == String(format: "%.4f", b.metric), "val accuracy \(a.metric) vs \(b.metric)")
    }

    @Test func oneDistillationStepOnTwoRanksEqualsOneProcess() throws {
        let dir = TestSupport.tempDir("mpi-distill-step")
        let (student, teacher, t) = try Fixture.studentAndTeacher(dir)
        let args = ["distill", student, "--teacher", teacher, "--alpha", "0.5", "--temperature", "2", "--steps", "1",
                    "--batch-size", "32", "--warmup-steps", "0", "--grad-clip", "0", "--eval-every", "0", "--eval-batches", "0",
                    "--data", dir.appendingPathComponent("x.npy").path,
                    "--log-every", "1", "--seed", "7", "-o"]
        let one = try TestSupport.condense(args + [dir.appendingPathComponent("a.h5").path])
        let two = try TestSupport.mpirun(2, args + [dir.appendingPathComponent("b.h5").path], timeout: 90)
        try #require(one.status == 0, "\(one.stderr)")
        try #require(two.status == 0, "\(two.stderr)")
        #expect(two.stdout.components(separatedBy: "wrote ").count == 2, "\(two.stdout)")
        // α = 0.5, T = 2: Σ_r|c_rk|/B ≤ αT + 1 − α = 1.5; the teacher's logits move by its own δz (T = 2 divides the
        // softmax's sensitivity and αT multiplies it back: 2α·δz_t).
        let tw = t.parameters["layers/0/weight"]!, tb = t.parameters["layers/0/bias"]!
        let dzT = OneStepBound.logitBound(w: Array(UnsafeBufferPointer(start: tw.data, count: tw.count)),
                                          b: Array(UnsafeBufferPointer(start: tb.data, count: tb.count)), inputs: Fixture.inputs, lr: 0)
        try compareOneStep(dir.appendingPathComponent("a.run/final/checkpoint.h5"),
                           dir.appendingPathComponent("b.run/final/checkpoint.h5"), columnSum: 1.5, teacherLogits: 2 * 0.5 * dzT)
        let (a, b) = (try Fixture.lastVal(dir.appendingPathComponent("a.run/final/log.jsonl")),
                      try Fixture.lastVal(dir.appendingPathComponent("b.run/final/log.jsonl")))
        #expect(String(format: "%.4f", a.loss) == String(format: "%.4f", b.loss), "val loss \(a.loss) vs \(b.loss)")
    }

    /// Checks m and the weights of two one-step checkpoints against `OneStepBound`. The student's logit term is
    /// 2·δz_s for cross-entropy (Σ_k|Δp| ≤ 2δz), and at most that for the distillation loss (2α·δz_s + 2(1 − α)·δz_s).
    private func compareOneStep(_ a: URL, _ b: URL, columnSum: Double, teacherLogits: Double) throws {
        let (w1, w2) = (try Fixture.tensors(a, "model"), try Fixture.tensors(b, "model"))
        let (m1, m2) = (try Fixture.tensors(a, "adam_m"), try Fixture.tensors(b, "adam_m"))
        let dz = OneStepBound.logitBound(w: w1["layers/0/weight"]!, b: w1["layers/0/bias"]!, inputs: Fixture.inputs, lr: 1e-3)
        let bound = OneStepBound(batch: 32, lr: 1e-3, beta1: 0.9, eps: 1e-8, columnSum: columnSum,
                                 logitTerm: 2 * dz + teacherLogits)
        for n in Fixture.names {
            let r = bound.ratios(m1: m1[n]!, m2: m2[n]!, w1: w1[n]!, w2: w2[n]!)
            #expect(r.moment <= 1, "\(n): |Δm| reaches \(r.moment) × its bound (δG = \(bound.gradient))")
            #expect(r.weight <= 1, "\(n): |Δw| reaches \(r.weight) × its bound")
        }
        // The comparison must be able to fail: ranks that summed without averaging would double m, which the bound
        // catches (on the elements whose |g| exceeds δG).
        let w = Fixture.names[0]
        let doubled = bound.ratios(m1: m1[w]!, m2: m1[w]!.map { 2 * $0 }, w1: w1[w]!, w2: w1[w]!)
        #expect(doubled.moment > 1, "a doubled gradient stays within the bound (δG = \(bound.gradient))")
    }
}
