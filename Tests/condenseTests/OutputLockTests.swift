// OutputLockTests: one writer per output file: while one condense process writes OUT, a second one writing OUT
// fails at once with one line naming the holder's pid, and writes nothing; once the holder is gone, OUT is free.
import Foundation
import Testing
import TestSupport

@Suite struct OutputLockTests {
    static let longTraining = """
        model:
          family: gpt
          n_layer: 1
          n_head: 2
          n_embd: 16
          block_size: 16
        data:
          path: recipes/data/own-text.txt
        train:
          batch_size: 4
          steps: 1000000
          eval_every: 0
          checkpoint_every: 0
          log_every: 1000
        """

    @Test func aSecondWriterOfTheSameOutputIsRefusedNamingTheHolder() throws {
        let dir = TestSupport.tempDir("output-lock")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = dir.appendingPathComponent("c.yaml").path, out = dir.appendingPathComponent("m.h5").path
        try Self.longTraining.write(toFile: cfg, atomically: true, encoding: .utf8)
        // The first writer: a long training run, which takes the lock before it reads its data.
        let first = Process()
        first.executableURL = URL(fileURLWithPath: TestSupport.condenseBinary)
        first.arguments = ["train", cfg, "-o", out]
        first.currentDirectoryURL = TestSupport.packageRoot
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() } }
        let lockFile = dir.appendingPathComponent(".m.h5.lock").path
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, (try? String(contentsOfFile: lockFile, encoding: .utf8)) != "\(first.processIdentifier)\n" {
            usleep(10_000)
        }
        try #require(first.isRunning, "the first writer ended before the second could start")

        // The second writer: an export onto the same file.
        let model = TestSupport.fuzzSeeds.appendingPathComponent("mlp.h5").path
        let second = try TestSupport.condense(["export", model, "-o", out, "--to", "onnx"])
        #expect(second.status == 1 && !second.signaled)
        #expect(second.stderr == "condense: error: \(out): is being written by another condense process (pid \(first.processIdentifier), lock \(lockFile)); wait for it to finish or stop it\n",
                "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))

        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let third = try TestSupport.condense(["export", model, "-o", out, "--to", "onnx"])
        #expect(third.status == 0 && FileManager.default.fileExists(atPath: out), "the kernel dropped the killed holder's lock: \(third.stderr)")
    }
}
