// TrainCommandTests: `condense train` end to end: a run killed with SIGKILL resumes onto the same trajectory.
import Foundation
import Testing
import TestSupport

@Suite struct TrainCommandTests {
    static let config = """
        model:
          family: mlp
          hidden: [48]
          dropout: 0.2
        train:
          batch_size: 32
          steps: 600
          lr: 0.002
          warmup_steps: 20
          eval_every: 0
          checkpoint_every: 40
          log_every: 1
        seed: 7
        """

    static func losses(_ runDir: URL) throws -> [Int: Double] {
        try TestSupport.trainLosses(runDir.appendingPathComponent("log.jsonl"))
    }

    @Test func killedRunResumesOnTheSameTrajectory() throws {
        let dir = TestSupport.tempDir("train")
        let cfg = dir.appendingPathComponent("c.yaml").path
        try Self.config.write(toFile: cfg, atomically: true, encoding: .utf8)

        // Uninterrupted reference run.
        let a = try TestSupport.condense(["train", cfg, "-o", dir.appendingPathComponent("a.h5").path])
        #expect(a.status == 0, "\(a.stderr)")
        let reference = try Self.losses(dir.appendingPathComponent("a.run"))
        #expect(reference.count == 600)

        // Same run, killed with SIGKILL once it has passed a few checkpoints, then resumed.
        let out = dir.appendingPathComponent("b.h5").path, runDir = dir.appendingPathComponent("b.run")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestSupport.condenseBinary)
        p.arguments = ["train", cfg, "-o", out]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let l = try? Self.losses(runDir), (l.keys.max() ?? 0) >= 130 { break }
            usleep(2_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "the run finished before it could be killed")
        #expect(!FileManager.default.fileExists(atPath: out), "no output from a killed run")

        // Without --resume the earlier run is protected; with it, training continues from the checkpoint.
        let refused = try TestSupport.condense(["train", cfg, "-o", out])
        #expect(refused.status != 0 && refused.stderr.contains("pass --resume to continue it or --force to start over"), "\(refused.stderr)")
        let b = try TestSupport.condense(["train", cfg, "-o", out, "--resume"])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.stderr.contains("resumed from"), "\(b.stderr)")
        let resumed = try Self.losses(runDir)
        #expect(resumed.count == 600)
        var worst = 0.0
        for (step, loss) in reference { worst = max(worst, abs(loss - (resumed[step] ?? .infinity))) }
        #expect(worst <= 1e-6, "largest train-loss difference between the runs: \(worst)")
    }

    @Test func unknownConfigKeyIsAClearCommandError() throws {
        let dir = TestSupport.tempDir("train")
        let cfg = dir.appendingPathComponent("c.yaml").path
        try "model:\n  family: mlp\ntrain:\n  stpes: 3\n".write(toFile: cfg, atomically: true, encoding: .utf8)
        let r = try TestSupport.condense(["train", cfg, "-o", dir.appendingPathComponent("m.h5").path])
        #expect(r.status == 1 && !r.signaled)
        #expect(r.stderr.contains("\(cfg): train.stpes: unknown key \"stpes\" (line 4); did you mean \"steps\"?"), "\(r.stderr)")
    }
}
