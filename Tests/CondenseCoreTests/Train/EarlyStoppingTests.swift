// EarlyStoppingTests: `patience` ends a run whose validation metric stopped improving, keeps the best model, and a
// resumed run that had stopped stays stopped; without a plateau the whole budget runs.
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite struct EarlyStoppingTests {
    /// A run that cannot improve: AdamW's update is lr·O(1) ≈ 1e-30, below half an ulp of any weight above ~1e-22 in
    /// magnitude, so no weight moves; the zero-initialized biases do move, to ~1e-29, which vanishes when added to
    /// pre-activations of ~1e-2. So every evaluation returns the first one's metric exactly and none is "better". With eval_every 2 and patience 3, the evaluations at steps 4, 6 and 8 follow the best (step 2).
    static func plateau(_ dir: String, patience: Int = 3) throws -> Trainer {
        let net = makeNetwork(.mlp(MLPConfig(inputs: 6, hidden: [8], classes: 3)), seed: 2)
        let options = TrainerTests.options {
            $0.steps = 100; $0.lr = 1e-30; $0.min_lr = 1e-30; $0.eval_every = 2; $0.checkpoint_every = 50
            $0.patience = patience
        }
        let t = Trainer(net: net, data: try TrainerTests.syntheticTask(), options: options, seed: 3, runDir: dir, config: .null)
        t.quiet = true
        return t
    }

    @Test func aPlateauStopsAfterPatienceEvaluations() throws {
        let dir = TestSupport.tempDir("early-stop").path
        let r = try Self.plateau(dir).run(resume: false)
        #expect(r.steps == 8 && r.stoppedEarly && r.bestStep == 2, "steps \(r.steps), best at \(r.bestStep ?? -1)")
        #expect(r.seen == 8 * 20)
        #expect(r.curve.compactMap { $0.val_loss == nil ? nil : $0.step } == [2, 4, 6, 8])
        // The stop wrote a checkpoint at step 8 (not a multiple of checkpoint_every), and a resume stays stopped.
        #expect(Checkpoint.step(at: dir + "/checkpoint.h5") == 8)
        let again = try Self.plateau(dir).run(resume: true)
        #expect(again.steps == 8 && again.stoppedEarly && again.resumed)
        #expect(FileManager.default.fileExists(atPath: dir + "/best.h5"))
    }

    @Test func withoutPatienceThePlateauRunsTheBudget() throws {
        let r = try Self.plateau(TestSupport.tempDir("no-early-stop").path, patience: 0).run(resume: false)
        #expect(r.steps == 100 && !r.stoppedEarly)
    }

    @Test func anImprovingRunIsNotStopped() throws {
        // The synthetic task learns steadily for 150 steps at lr 0.01 (TrainerTests); with evaluations every 50 steps a
        // patience of 3 could only trigger after 150 steps without a better metric, which this budget does not have.
        let net = makeNetwork(.mlp(MLPConfig(inputs: 6, hidden: [32], classes: 3)), seed: 2)
        let t = Trainer(net: net, data: try TrainerTests.syntheticTask(), options: TrainerTests.options { $0.patience = 3 },
                        seed: 3, runDir: TestSupport.tempDir("improving").path, config: .null)
        t.quiet = true
        let r = try t.run(resume: false)
        #expect(r.steps == 150 && !r.stoppedEarly)
    }

    @Test func patienceWithoutEvaluationsIsAConfigError() throws {
        let dir = TestSupport.tempDir("patience-config")
        let path = dir.appendingPathComponent("c.yaml").path
        try "model:\n  family: mlp\ntrain:\n  eval_every: 0\n  patience: 2\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try TrainConfig.load(path: path) } throws: { "\($0)".contains("train.patience") }
        try "model:\n  family: mlp\ntrain:\n  patience: -1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try TrainConfig.load(path: path) } throws: { "\($0)".contains("train.patience") && "\($0)".contains("≥ 0") }
    }
}
