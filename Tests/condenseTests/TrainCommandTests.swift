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

    @Test func killedRunResumesOnTheSameTrajectory() throws {
        let dir = TestSupport.tempDir("train")
        let cfg = dir.appendingPathComponent("c.yaml").path
        try Self.config.write(toFile: cfg, atomically: true, encoding: .utf8)
        let r = try TestSupport.killAndResume(["train", cfg], in: dir) { $0.appendingPathComponent("log.jsonl") }
        #expect(r.reference.count == 600)
        #expect(r.killed, "the run finished before it could be killed")
        #expect(!r.outputExistedAfterKill, "no output from a killed run")
        // Without --resume the earlier run is protected; with it, training continues from the checkpoint.
        #expect(r.restartWithoutResume.status != 0 && r.restartWithoutResume.stderr.contains("pass --resume to continue it or --force to start over"),
                "\(r.restartWithoutResume.stderr)")
        #expect(r.resume.status == 0 && r.resume.stderr.contains("resumed from"), "\(r.resume.stderr)")
        #expect(r.resumed.count == 600)
        let worst = r.reference.map { abs($0.value - (r.resumed[$0.key] ?? .infinity)) }.max() ?? .infinity
        // A resumed run restores weights, moments, the RNG words and the sampler exactly, and runs the same binary on
        // the same CPU with the same thread counts, so it repeats the same float operations in the same order: the
        // losses are bit-identical (they are logged as exact Doubles). Any lost or repeated state changes a loss by
        // ≫ 1e-6 within a few steps; 1e-6 is a margin, not a rounding bound.
        #expect(worst <= 1e-6, "largest train-loss difference between the runs: \(worst)")
    }

    /// `--seeds 1,2` trains one model per seed, named OUTPUT-seedN.h5, each from its own seed.
    @Test func seedsTrainOneModelPerSeed() throws {
        let dir = TestSupport.tempDir("train-seeds")
        let cfg = dir.appendingPathComponent("c.yaml").path
        try Self.config.write(toFile: cfg, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("t.h5").path
        let r = try TestSupport.condense(["train", cfg, "-o", out, "--seeds", "1,2", "--set", "train.steps=3", "--set", "train.eval_batches=1"])
        #expect(r.status == 0, "\(r.stderr)")
        let paths = ["t-seed1.h5", "t-seed2.h5"].map { dir.appendingPathComponent($0).path }
        for p in paths { #expect(FileManager.default.fileExists(atPath: p), "\(p)") }
        #expect(!FileManager.default.fileExists(atPath: out))
        let a = try Data(contentsOf: URL(fileURLWithPath: paths[0])), b = try Data(contentsOf: URL(fileURLWithPath: paths[1]))
        #expect(a != b, "different seeds, different teachers")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("t-seed2.run/log.jsonl").path))
        let bad = try TestSupport.condense(["train", cfg, "-o", out, "--seeds", "1,x"])
        #expect(bad.status != 0 && bad.stderr.contains("train: --seeds: expected distinct non-negative integers, comma-separated (e.g. 1,2,3), found \"1,x\""), "\(bad.stderr)")
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
