// ResumeTests: `condense distill` killed with SIGKILL resumes onto the same trajectory (with --augment, so the
// augmentation randomness is covered too).
import CondenseCore
import Foundation
import HDF5
import Testing
import TestSupport

@Suite struct ResumeTests {
    @Test func killedDistillationResumesOnTheSameTrajectory() throws {
        let dir = TestSupport.tempDir("distill-resume")
        let student = dir.appendingPathComponent("s.h5").path, teacher = dir.appendingPathComponent("t.h5").path
        try Synthetic.mlp(784, [32], 10, seed: 1).write(to: student)
        try Synthetic.mlp(784, [64], 10, seed: 2).write(to: teacher)
        let args = ["distill", student, "--teacher", teacher, "--alpha", "0.5", "--temperature", "2", "--augment"] + TestSupport.resumeRunOptions(steps: 500, batch: 32)
        let r = try TestSupport.killAndResume(args, in: dir) { $0.appendingPathComponent("final/log.jsonl") }
        #expect(r.trajectoryProblems(steps: 500).isEmpty, "\(r.trajectoryProblems(steps: 500))")
        #expect(r.restartWithoutResume.status != 0 && r.restartWithoutResume.stderr.contains("pass --resume to continue it or --force to start over"),
                "\(r.restartWithoutResume.stderr)")
    }
}

@Suite struct HiddenResumeTests {
    /// The hidden-state projections (student width 8, teacher 12) are the Trainer's extra parameters, checkpointed with
    /// the model: a killed run resumes them.
    @Test func killedHiddenLossRunResumesOnTheSameTrajectory() throws {
        let dir = TestSupport.tempDir("distill-hidden-resume")
        let student = dir.appendingPathComponent("s.h5").path, teacher = dir.appendingPathComponent("t.h5").path
        let v = try CharCorpus().vocabulary.count
        func gpt(_ layers: Int, _ embd: Int, _ seed: UInt64) -> ModelFile {
            makeNetwork(.gpt(GPTConfig(n_layer: layers, n_head: 2, head_dim: 4, n_embd: embd, ffn_hidden: 16, block_size: 8,
                                       vocab_size: v, bias: true, tie_embeddings: true, dropout: 0)), seed: seed).modelFile()
        }
        try gpt(1, 8, 1).write(to: student)
        try gpt(2, 12, 2).write(to: teacher)
        let args = ["distill", student, "--teacher", teacher, "--alpha", "0.5", "--temperature", "2", "--hidden-loss", "mse"] + TestSupport.resumeRunOptions(steps: 400, batch: 4)
        let r = try TestSupport.killAndResume(args, in: dir) { $0.appendingPathComponent("final/log.jsonl") }
        #expect(r.trajectoryProblems(steps: 400).isEmpty, "\(r.trajectoryProblems(steps: 400))")
        let checkpoint = try HDF5.File(openReadOnly: dir.appendingPathComponent("b.run/final/checkpoint.h5").path)
        let root = try checkpoint.root
        #expect(try root.dataset("extra/distill/hidden_proj/0/weight").shape == [12, 8], "the projection is in the checkpoint")
        #expect(try root.dataset("extra_adam_v/distill/hidden_proj/0/weight").shape == [12, 8], "with its moments")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.run/final/hidden-proj.h5").path), "no side file")
    }
}

@Suite struct HardResumeTests {
    /// Hard labels sampled from the teacher (text, τ = 1, blended with the ground truth): a killed run resumes onto
    /// the same trajectory, since the draws come from (seed, step, micro-batch).
    @Test func killedHardLabelRunResumesOnTheSameTrajectory() throws {
        let dir = TestSupport.tempDir("distill-hard-resume")
        let student = dir.appendingPathComponent("s.h5").path, teacher = dir.appendingPathComponent("t.h5").path
        let v = try CharCorpus().vocabulary.count
        func gpt(_ layers: Int, _ seed: UInt64) -> ModelFile {
            makeNetwork(.gpt(GPTConfig(n_layer: layers, n_head: 2, head_dim: 4, n_embd: 8, ffn_hidden: 16, block_size: 8,
                                       vocab_size: v, bias: true, tie_embeddings: true, dropout: 0)), seed: seed).modelFile()
        }
        try gpt(1, 1).write(to: student)
        try gpt(2, 2).write(to: teacher)
        let args = ["distill", student, "--teacher", teacher, "--method", "hard", "--hard-mix", "0.3", "--hard-temperature", "1"] + TestSupport.resumeRunOptions(steps: 400, batch: 4)
        let r = try TestSupport.killAndResume(args, in: dir) { $0.appendingPathComponent("final/log.jsonl") }
        #expect(r.trajectoryProblems(steps: 400).isEmpty, "\(r.trajectoryProblems(steps: 400))")
    }
}

@Suite struct SequenceResumeTests {
    /// Sequence-level distillation: the transfer set is generated from the seed (so the reference run and the killed
    /// one fine-tune on the same set) and its batches come from (seed, step, micro-batch): a killed run resumes onto
    /// the same trajectory.
    @Test func killedSequenceRunResumesOnTheSameTrajectory() throws {
        let dir = TestSupport.tempDir("distill-seq-resume")
        let student = dir.appendingPathComponent("s.h5").path, teacher = dir.appendingPathComponent("t.h5").path
        let v = try CharCorpus().vocabulary.count
        func gpt(_ layers: Int, _ seed: UInt64) -> ModelFile {
            makeNetwork(.gpt(GPTConfig(n_layer: layers, n_head: 2, head_dim: 4, n_embd: 8, ffn_hidden: 16, block_size: 8,
                                       vocab_size: v, bias: true, tie_embeddings: true, dropout: 0)), seed: seed).modelFile()
        }
        try gpt(1, 1).write(to: student)
        try gpt(2, 2).write(to: teacher)
        let args = ["distill", student, "--teacher", teacher, "--method", "sequence", "--prompt-length", "2",
                    "--continuation-length", "6", "--samples-per-prompt", "2", "--transfer-tokens", "120"] + TestSupport.resumeRunOptions(steps: 400, batch: 4)
        let r = try TestSupport.killAndResume(args, in: dir) { $0.appendingPathComponent("final/log.jsonl") }
        #expect(r.trajectoryProblems(steps: 400).isEmpty, "\(r.trajectoryProblems(steps: 400))")
        #expect(r.resume.stderr.contains("transfer set: reused"), "the resumed run reuses its transfer set: \(r.resume.stderr)")
    }
}
