// StreamingDataTests: a nanoGPT train.bin, and labelled arrays larger than the memory limit (a .npy, a gzip IDX pair,
// a chunked gzip-compressed HDF5 file), are memory-mapped (converted once into the array cache, in a streaming pass,
// when compressed), validated and digested in a streaming pass, and sampled window by window (row by row): training
// on the big file peaks near the resident set of training on a small one.
import Foundation
import Testing
import TestSupport

@Suite struct StreamingDataTests {
    static let config = """
        model:
          family: gpt
          n_layer: 1
          n_head: 2
          n_embd: 16
          block_size: 16
        train:
          batch_size: 8
          steps: 20
          eval_every: 0
          eval_batches: 2
          checkpoint_every: 0
          log_every: 10
        """

    /// A nanoGPT folder: train.bin of `tokens` ids over a 5-symbol vocabulary, a small val.bin and meta.json.
    func folder(_ dir: URL, tokens: Int) throws -> String {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var ids = [UInt16](repeating: 0, count: tokens)
        for i in ids.indices { ids[i] = UInt16((i * 31 + i / 7) % 5) }
        try Data(ids.withUnsafeBytes { Array($0) }).write(to: dir.appendingPathComponent("train.bin"))
        try Data(ids.prefix(4_000).withUnsafeBytes { Array($0) }).write(to: dir.appendingPathComponent("val.bin"))
        try #"{"vocab_size": 5, "vocabulary": [" ", ".", "a", "b", "c"]}"#.write(to: dir.appendingPathComponent("meta.json"), atomically: true, encoding: .utf8)
        return dir.path
    }

    /// Peak resident set (KiB) of `condense train` on the data folder, from GNU time's %M.
    func peakKiB(_ cfg: String, data: String, out: String, environment: [String: String]? = nil) throws -> Int {
        let r = try TestSupport.run("/usr/bin/time", ["-f", "peak-rss-kib %M", TestSupport.condenseBinary, "train", cfg, "-o", out,
                                                      "--set", "data.path=\(data)"], cwd: TestSupport.packageRoot, environment: environment)
        #expect(r.status == 0, "\(r.stderr)")
        let line = r.stderr.split(separator: "\n").last { $0.hasPrefix("peak-rss-kib ") } ?? ""
        return Int(line.dropFirst("peak-rss-kib ".count)) ?? -1
    }

    /// The shared set-up of every case: a temporary folder holding `c.yaml` (`config`), removed afterwards.
    func withRun(_ tag: String, config: String, _ body: (_ dir: URL, _ cfg: String) throws -> Void) throws {
        let dir = TestSupport.tempDir(tag)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = dir.appendingPathComponent("c.yaml").path
        try config.write(toFile: cfg, atomically: true, encoding: .utf8)
        try body(dir, cfg)
    }

    /// Peak RSS (KiB) of training on `small` and then on `big` under `environment`, and the big run's seconds;
    /// requires the big run to grow the peak by less than `capBytes`.
    func expectBounded(_ cfg: String, dir: URL, small: String, big: String, capBytes: Int, environment: [String: String]) throws -> (Int, Int, Double) {
        let a = try peakKiB(cfg, data: small, out: dir.appendingPathComponent("a.h5").path, environment: environment)
        let t0 = Date()
        let b = try peakKiB(cfg, data: big, out: dir.appendingPathComponent("b.h5").path, environment: environment)
        let seconds = Date().timeIntervalSince(t0)
        try #require(a > 0 && b > 0)
        #expect(b - a < capBytes / 1024, "peak RSS \(a) KiB on the small file, \(b) KiB on the big one: grew by \(b - a) KiB (cap \(capBytes / 1024))")
        return (a, b, seconds)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func aBinLargerThanTheMemoryCapIsNeverCopiedWhole() throws {
        try withRun("streaming", config: Self.config) { dir, cfg in
            let big = try folder(dir.appendingPathComponent("big"), tokens: 25_000_000)     // 50 MB of ids
            let small = try folder(dir.appendingPathComponent("small"), tokens: 20_000)     // 40 KB
            // The cap: a quarter of the file. Copying the ids as Int32 would add 100 MB, as the file's own bytes 50 MB;
            // reading it through the mapping would leave up to 50 MB of file pages resident. Streaming adds the 1 MiB
            // read buffer and its 2 MiB of Int32s, and 20 steps touch at most 20·8 windows of 17 ids (one page each).
            let (a, b, _) = try expectBounded(cfg, dir: dir, small: small, big: big, capBytes: 50_000_000 / 4, environment: [:])
            print("streaming: peak RSS \(a) KiB (40 KB .bin) vs \(b) KiB (50 MB .bin)")
        }
    }

    static let mlpConfig = """
        model:
          family: mlp
          hidden: [32]
        train:
          batch_size: 32
          steps: 20
          eval_every: 0
          eval_batches: 2
          checkpoint_every: 0
          log_every: 10
        """

    /// A folder of x.npy (`rows` × 1000 float32, written in chunks) and y.npy (int64, 4 classes).
    func npyFolder(_ dir: URL, rows: Int) throws -> String {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let f = 1000
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(f)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let n = header.utf8.count
        let x = dir.appendingPathComponent("x.npy")
        FileManager.default.createFile(atPath: x.path, contents: Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8)))
        let h = try FileHandle(forWritingTo: x)
        try h.seekToEnd()
        var chunk = [Float](repeating: 0, count: 1000 * f)
        for start in stride(from: 0, to: rows, by: 1000) {
            let k = min(1000, rows - start)
            for i in 0..<(k * f) { chunk[i] = Float((start * f + i) % 97) / 97 }
            try h.write(contentsOf: chunk.prefix(k * f).withUnsafeBytes { Data($0) })
        }
        try h.close()
        let y = (0..<rows).map { Int64($0 % 4) }
        var yh = "{'descr': '<i8', 'fortran_order': False, 'shape': (\(rows),), }"
        while (10 + yh.utf8.count + 1) % 64 != 0 { yh += " " }
        yh += "\n"
        try Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(yh.utf8.count), 0] + Array(yh.utf8) + y.withUnsafeBytes { Array($0) })
            .write(to: dir.appendingPathComponent("y.npy"))
        return dir.path
    }

    /// A 240 MB x.npy under a 400 MB memory limit: read whole (twice the file, by the estimate) it would be refused;
    /// mapped, training grows the resident set by far less than a quarter of the file over a 2.4 MB x.npy.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func aLabelledNpyLargerThanTheMemoryLimitIsMappedAndTrains() throws {
        try withRun("streaming-npy", config: Self.mlpConfig) { dir, cfg in
            let big = try npyFolder(dir.appendingPathComponent("big"), rows: 60_000)      // 240 MB of float32
            let small = try npyFolder(dir.appendingPathComponent("small"), rows: 600)     // 2.4 MB
            let (a, b, seconds) = try expectBounded(cfg, dir: dir, small: small, big: big, capBytes: 240_000_000 / 4,
                                                    environment: ["CONDENSE_MEMORY_LIMIT": "\(400 << 20)"])
            print("streaming: peak RSS \(a) KiB (2.4 MB x.npy) vs \(b) KiB (240 MB x.npy, mapped), \(String(format: "%.1f", seconds)) s")
        }
    }

    /// Writes a data set with Python (numpy, gzip, h5py): `kind` "idx" (a gzip IDX pair of `rows` 28×28 images in a
    /// folder) or "h5" (`rows` × 300 float32 in chunks of 1000 rows, gzip level 1); returns the path to train on.
    func pythonData(_ dir: URL, kind: String, rows: Int) throws -> String {
        let script = """
            import gzip, struct, sys, numpy as np
            kind, d, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
            y = (np.arange(n) % 4).astype("u1")
            if kind == "idx":
                x = (np.add.outer(np.arange(n, dtype=np.uint32) * 7, np.arange(784, dtype=np.uint32) * 3) % 251).astype("u1")
                with open(d + "/train-images-idx3-ubyte.gz", "wb") as f: f.write(gzip.compress(struct.pack(">IIII", 0x803, n, 28, 28) + x.tobytes(), 1))
                with open(d + "/train-labels-idx1-ubyte.gz", "wb") as f: f.write(gzip.compress(struct.pack(">II", 0x801, n) + y.tobytes(), 1))
            else:
                import h5py
                with h5py.File(d + "/data.h5", "w") as f:
                    x = f.create_dataset("x", shape=(n, 300), dtype="f4", chunks=(min(n, 1000), 300), compression="gzip", compression_opts=1)
                    for s in range(0, n, 1000):
                        k = min(1000, n - s)
                        x[s:s + k] = (np.add.outer(np.arange(s, s + k, dtype=np.uint32) * 7, np.arange(300, dtype=np.uint32)) % 97 / 97).astype("f4")
                    f["y"] = y
            """
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, kind, dir.path, "\(rows)"])
        try #require(r.status == 0, "\(r.stderr)")
        return kind == "idx" ? dir.path : dir.appendingPathComponent("data.h5").path
    }

    /// A gzip IDX pair of 30,000 28×28 images (23.5 MB of pixels, 94 MB as floats) under a 32 MiB memory limit:
    /// inflated in one streaming pass into the array cache and mapped, training grows the resident set by less than a
    /// quarter of the floats a whole read holds over a 600-image pair.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func aGzipIDXPairLargerThanTheMemoryLimitIsConvertedAndTrains() throws {
        try convertedAndTrained(kind: "idx", rows: 30_000, features: 784, what: ("600 gzip IDX images", "30,000"))
    }

    /// A chunked, gzip-compressed HDF5 x of 60,000 × 300 float32 (72 MB) under a 32 MiB memory limit: converted in
    /// bands of whole chunks into the array cache and mapped, training grows the resident set by less than a quarter
    /// of the floats over a 600-row file.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func aChunkedHDF5LargerThanTheMemoryLimitIsConvertedAndTrains() throws {
        try convertedAndTrained(kind: "h5", rows: 60_000, features: 300, what: ("600-row chunked HDF5", "60,000 rows"))
    }

    /// A 600-row and a `rows`-row data set of `kind` under a 32 MiB limit with a private cache: the big run's growth
    /// is capped at a quarter of the floats a whole read would hold.
    private func convertedAndTrained(kind: String, rows: Int, features: Int, what: (small: String, big: String)) throws {
        try withRun("streaming-\(kind)", config: Self.mlpConfig) { dir, cfg in
            let big = try pythonData(dir.appendingPathComponent("big"), kind: kind, rows: rows)
            let small = try pythonData(dir.appendingPathComponent("small"), kind: kind, rows: 600)
            let env = ["CONDENSE_MEMORY_LIMIT": "\(32 << 20)", "CONDENSE_CACHE_DIR": dir.appendingPathComponent("cache").path]
            let (a, b, seconds) = try expectBounded(cfg, dir: dir, small: small, big: big, capBytes: rows * features * 4 / 4, environment: env)
            print("streaming: peak RSS \(a) KiB (\(what.small)) vs \(b) KiB (\(what.big), converted and mapped), \(String(format: "%.1f", seconds)) s")
        }
    }
}
