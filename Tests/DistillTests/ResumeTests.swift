// ResumeTests: `condense distill` killed with SIGKILL resumes onto the same trajectory (with --augment, so the
// augmentation randomness is covered too).
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite struct ResumeTests {
    static func losses(_ runDir: URL) throws -> [Int: Double] {
        try TestSupport.trainLosses(runDir.appendingPathComponent("final/log.jsonl"))
    }

    @Test func killedDistillationResumesOnTheSameTrajectory() throws {
        let dir = TestSupport.tempDir("distill-resume")
        let student = dir.appendingPathComponent("s.h5").path, teacher = dir.appendingPathComponent("t.h5").path
        try Synthetic.mlp(784, [32], 10, seed: 1).write(to: student)
        try Synthetic.mlp(784, [64], 10, seed: 2).write(to: teacher)
        let args = ["distill", student, "--teacher", teacher, "--alpha", "0.5", "--temperature", "2", "--augment",
                    "--steps", "500", "--batch-size", "32", "--checkpoint-every", "40", "--eval-every", "0",
                    "--eval-batches", "2", "--log-every", "1", "--warmup-steps", "10", "--seed", "7"]
        let a = try TestSupport.condense(args + ["-o", dir.appendingPathComponent("a.h5").path])
        #expect(a.status == 0, "\(a.stderr)")
        let reference = try Self.losses(dir.appendingPathComponent("a.run"))
        #expect(reference.count == 500)

        let out = dir.appendingPathComponent("b.h5").path, runDir = dir.appendingPathComponent("b.run")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestSupport.condenseBinary)
        p.arguments = args + ["-o", out]
        p.currentDirectoryURL = TestSupport.packageRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            if let l = try? Self.losses(runDir), (l.keys.max() ?? 0) >= 130 { break }
            usleep(2_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "the run finished before it could be killed")

        let refused = try TestSupport.condense(args + ["-o", out])
        #expect(refused.status != 0 && refused.stderr.contains("pass --resume to continue it or --force to start over"), "\(refused.stderr)")
        let b = try TestSupport.condense(args + ["-o", out, "--resume"])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.stderr.contains("resumed from"), "\(b.stderr)")
        let resumed = try Self.losses(runDir)
        #expect(resumed.count == 500)
        var worst = 0.0
        for (step, loss) in reference { worst = max(worst, abs(loss - (resumed[step] ?? .infinity))) }
        #expect(worst <= 1e-6, "largest train-loss difference between the runs: \(worst)")
    }
}
