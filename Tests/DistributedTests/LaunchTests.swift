// LaunchTests: one process needs no MPI; a job whose ranks disagree (binary, files), that has more ranks than rows, or
// whose rank cannot read the data ends with one clear error from rank 0, and no rank is left hanging (timeouts).
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct LaunchTests {
    /// The binary carries no libmpi dependency (it is loaded with dlopen under mpirun only), and runs without it.
    @Test func oneProcessNeedsNoMPI() throws {
        let ldd = try TestSupport.run("/usr/bin/ldd", [TestSupport.condenseBinary])
        #expect(ldd.status == 0 && !ldd.stdout.contains("libmpi"), "\(ldd.stdout)")
        let (dir, cfg) = try Fixture.linearRun("mpi-none", steps: 2)
        // A library path where libmpi cannot be found changes nothing for one process.
        let r = try TestSupport.condense(["train", cfg.path, "-o", dir.appendingPathComponent("a.h5").path],
                                         environment: ["CONDENSE_LIBMPI": "/nonexistent/libmpi.so.40"])
        #expect(r.status == 0, "\(r.stderr)")
        // Launched by mpirun (as the environment says) but without a loadable libmpi: one clear line.
        let bad = try TestSupport.condense(["train", cfg.path, "-o", dir.appendingPathComponent("b.h5").path],
                                           environment: ["OMPI_COMM_WORLD_SIZE": "2", "CONDENSE_LIBMPI": "/nonexistent/libmpi.so.40"])
        #expect(bad.status == 1 && bad.stderr.contains("libmpi could not be loaded") && bad.stderr.contains("/nonexistent/libmpi.so.40"),
                "\(bad.stderr)")
    }

    @Test func moreRanksThanTheGlobalBatchIsRefused() throws {
        let (dir, cfg) = try Fixture.linearRun("mpi-np", steps: 2, batch: 2)
        let r = try TestSupport.mpirun(3, ["train", cfg.path, "-o", dir.appendingPathComponent("a.h5").path], timeout: 60)
        #expect(r.status != 0 && r.status != 124, "ends with an error, not by the timeout: \(r.status)")
        #expect(errorLines(r.stderr) == ["condense: error: train: batch_size: expected at least one row per rank (≥ 3, the number of ranks), found 2"],
                "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a.h5").path))
    }

    @Test func ranksWithDifferentFilesOrBinariesAreRefusedAtStart() throws {
        let dir = TestSupport.tempDir("mpi-digest")
        try Fixture.writeTable(dir)
        for (sub, steps) in [("x", 2), ("y", 3)] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
            try Fixture.linearConfig(data: dir.appendingPathComponent("x.npy"), steps: steps).write(to: dir.appendingPathComponent("\(sub)/c.yaml"), atomically: true, encoding: .utf8)
        }
        // The same command line in two folders whose c.yaml differ (Open MPI's per-app -wdir).
        let bin = TestSupport.condenseBinary
        let files = try TestSupport.mpirun(apps: [["-wdir", dir.appendingPathComponent("x").path, bin, "train", "c.yaml", "-o", "a.h5"],
                                                  ["-wdir", dir.appendingPathComponent("y").path, bin, "train", "c.yaml", "-o", "a.h5"]],
                                           timeout: 60)
        #expect(files.status != 0 && files.status != 124, "\(files.status)")
        let line = errorLines(files.stderr)
        #expect(line.count == 1 && line[0].contains("rank 1 of 2 runs with a different file c.yaml than rank 0"), "\(files.stderr)")
        // Another binary: a copy of condense with one byte appended (it still runs, its SHA-256 differs).
        let other = dir.appendingPathComponent("condense-other").path
        var bytes = try Data(contentsOf: URL(fileURLWithPath: bin))
        bytes.append(0)
        try bytes.write(to: URL(fileURLWithPath: other))
        chmod(other, 0o755)
        let cfg = dir.appendingPathComponent("x/c.yaml").path
        let binaries = try TestSupport.mpirun(apps: [[bin, "train", cfg, "-o", dir.appendingPathComponent("b.h5").path],
                                                     [other, "train", cfg, "-o", dir.appendingPathComponent("b.h5").path]], timeout: 60)
        #expect(binaries.status != 0 && binaries.status != 124, "\(binaries.status)")
        let l2 = errorLines(binaries.stderr)
        #expect(l2.count == 1 && l2[0].contains("rank 1 of 2 runs with a different binary than rank 0"), "\(binaries.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.h5").path))
    }

    @Test func aRankThatCannotReadTheDataStopsEveryRank() throws {
        // The config names its data relative to the working folder; rank 1 starts in a folder without it.
        let dir = TestSupport.tempDir("mpi-data")
        let (good, empty) = (dir.appendingPathComponent("good"), dir.appendingPathComponent("empty"))
        for d in [good, empty] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        try Fixture.writeTable(good)
        let cfg = dir.appendingPathComponent("c.yaml").path
        try Fixture.linearConfig(data: URL(fileURLWithPath: "x.npy"), steps: 2).replacingOccurrences(of: URL(fileURLWithPath: "x.npy").path, with: "x.npy")
            .write(toFile: cfg, atomically: true, encoding: .utf8)
        let bin = TestSupport.condenseBinary, out = dir.appendingPathComponent("a.h5").path
        let r = try TestSupport.mpirun(apps: [["-wdir", good.path, bin, "train", cfg, "-o", out],
                                              ["-wdir", empty.path, bin, "train", cfg, "-o", out]], timeout: 60)
        #expect(r.status != 0 && r.status != 124, "\(r.status)")
        let line = errorLines(r.stderr)
        #expect(line.count == 1 && line[0].hasPrefix("condense: error: rank 1 of 2: ") && line[0].contains("x.npy"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// Condense's own error lines (mpirun adds its own banner about the exit code, which is not ours).
    private func errorLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("condense: error:") }
    }
}
