// DistillAcrossRanksTests: `--cache-teacher` and `--method sequence` on 2 ranks against one process: rank 0 writes
// the cache and the transfer set, every rank reads them (the same SHA-256), and their contents are the one process's.
import CondenseCore
import Foundation
import HDF5
import Testing
import TestSupport

@Suite(.serialized) struct DistillAcrossRanksTests {
    /// The tests' mpirun gives each rank CONDENSE_THREADS=1, so rank 0 builds alone on one thread; the one process
    /// gets one OpenBLAS thread too, so that both run the teacher's sgemm with the same partition.
    static let oneThread = ["OPENBLAS_NUM_THREADS": "1", "CONDENSE_THREADS": "1"]

    @Test func theTeacherCacheOnTwoRanksIsTheOneProcessCache() throws {
        let dir = TestSupport.tempDir("mpi-cache")
        let (student, teacher, _) = try Fixture.studentAndTeacher(dir)
        let args = ["distill", student, "--teacher", teacher, "--alpha", "0.5", "--temperature", "2", "--cache-teacher",
                    "--steps", "20", "--batch-size", "32", "--warmup-steps", "0", "--eval-every", "0", "--eval-batches", "4",
                    "--data", dir.appendingPathComponent("x.npy").path, "--log-every", "1", "--seed", "7", "-o"]
        let one = try TestSupport.condense(args + [dir.appendingPathComponent("a.h5").path], environment: Self.oneThread)
        let two = try TestSupport.mpirun(2, args + [dir.appendingPathComponent("b.h5").path], timeout: 90)
        try #require(one.status == 0, "\(one.stderr)")
        try #require(two.status == 0, "\(two.stderr)")
        #expect(two.stderr.components(separatedBy: "teacher cache: built").count == 2, "rank 0 alone builds and says so: \(two.stderr)")
        #expect(two.stderr.contains("on all 2 ranks"), "every rank read rank 0's bytes: \(two.stderr)")
        let (a, b) = (dir.appendingPathComponent("a.run/teacher-cache.h5").path, dir.appendingPathComponent("b.run/teacher-cache.h5").path)
        #expect(try datasets(a, ["keys"], as: Int64.self) == datasets(b, ["keys"], as: Int64.self))
        #expect(try datasets(a, ["logits"], as: Float.self) == datasets(b, ["logits"], as: Float.self), "the cached logits, bit for bit")
        let (la, lb) = (try Fixture.lastVal(dir.appendingPathComponent("a.run/final/log.jsonl")),
                        try Fixture.lastVal(dir.appendingPathComponent("b.run/final/log.jsonl")))
        #expect(String(format: "%.4f", la.loss) == String(format: "%.4f", lb.loss), "val loss \(la.loss) vs \(lb.loss)")
    }

    @Test func theSequenceTransferSetOnTwoRanksIsTheOneProcessSet() throws {
        let dir = TestSupport.tempDir("mpi-sequence")
        let student = dir.appendingPathComponent("s.h5").path, teacher = dir.appendingPathComponent("t.h5").path
        // The repository's own small text (every machine has it), and its vocabulary in the models.
        let text = TestSupport.packageRoot.appendingPathComponent("recipes/data/own-text.txt").path
        let vocabulary = try #require(TaskData.load(DataSpec(path: text), fit: DataFit(family: "gpt")).vocabulary).scalars.map { String($0) }
        func gpt(_ layers: Int, _ seed: UInt64) -> ModelFile {
            makeNetwork(.gpt(GPTConfig(n_layer: layers, n_head: 2, head_dim: 4, n_embd: 8, ffn_hidden: 16, block_size: 8,
                                       vocab_size: vocabulary.count, bias: true, tie_embeddings: true, dropout: 0)), seed: seed)
                .modelFile(vocabulary: vocabulary)
        }
        try gpt(1, 1).write(to: student)
        try gpt(2, 2).write(to: teacher)
        let args = ["distill", student, "--teacher", teacher, "--method", "sequence", "--prompt-length", "2",
                    "--continuation-length", "6", "--samples-per-prompt", "2", "--transfer-tokens", "120",
                    "--steps", "10", "--batch-size", "4", "--eval-every", "0", "--eval-batches", "2", "--log-every", "1",
                    "--warmup-steps", "0", "--seed", "7", "--data", text, "-o"]
        let one = try TestSupport.condense(args + [dir.appendingPathComponent("a.h5").path], environment: Self.oneThread)
        let two = try TestSupport.mpirun(2, args + [dir.appendingPathComponent("b.h5").path], timeout: 90)
        try #require(one.status == 0, "\(one.stderr)")
        try #require(two.status == 0, "\(two.stderr)")
        #expect(two.stderr.components(separatedBy: "transfer set: generated").count == 2, "\(two.stderr)")
        let (a, b) = (dir.appendingPathComponent("a.run/transfer-set.h5").path, dir.appendingPathComponent("b.run/transfer-set.h5").path)
        let tokens = try datasets(a, ["tokens"], as: Int32.self)
        #expect(tokens.count == 20 * 8, "⌈120 / 6⌉ = 20 sequences of 2 + 6 tokens")
        #expect(tokens == (try datasets(b, ["tokens"], as: Int32.self)), "the same sequences")
        #expect(try datasets(a, ["scores"], as: Double.self) == datasets(b, ["scores"], as: Double.self), "the same scores, bit for bit")
        #expect(try HDF5.File(openReadOnly: a).root.stringAttribute("key") == HDF5.File(openReadOnly: b).root.stringAttribute("key"))
        // A second 2-rank run reuses it (rank 0 decides, every rank reads).
        let again = try TestSupport.mpirun(2, args + [dir.appendingPathComponent("b.h5").path, "--resume"], timeout: 90)
        #expect(again.status == 0 && again.stderr.contains("transfer set: reused"), "\(again.stderr)")
    }

    /// The named datasets of an HDF5 file, concatenated.
    func datasets<T: HDF5Scalar & Equatable>(_ path: String, _ names: [String], as: T.Type) throws -> [T] {
        let root = try HDF5.File(openReadOnly: path).root
        return try names.flatMap { try root.dataset($0).read(as: T.self) }
    }
}
