// StreamingDataTests: a nanoGPT train.bin larger than the memory the run may grow by is memory-mapped, validated and
// digested in a streaming pass, and sampled window by window: training on a 50 MB .bin peaks at nearly the resident
// set of training on a 40 KB one.
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
    func peakKiB(_ cfg: String, data: String, out: String) throws -> Int {
        let r = try TestSupport.run("/usr/bin/time", ["-f", "peak-rss-kib %M", TestSupport.condenseBinary, "train", cfg, "-o", out,
                                                      "--set", "data.path=\(data)"], cwd: TestSupport.packageRoot)
        #expect(r.status == 0, "\(r.stderr)")
        let line = r.stderr.split(separator: "\n").last { $0.hasPrefix("peak-rss-kib ") } ?? ""
        return Int(line.dropFirst("peak-rss-kib ".count)) ?? -1
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func aBinLargerThanTheMemoryCapIsNeverCopiedWhole() throws {
        let dir = TestSupport.tempDir("streaming")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = dir.appendingPathComponent("c.yaml").path
        try Self.config.write(toFile: cfg, atomically: true, encoding: .utf8)
        let big = try folder(dir.appendingPathComponent("big"), tokens: 25_000_000)     // 50 MB of ids
        let small = try folder(dir.appendingPathComponent("small"), tokens: 20_000)     // 40 KB
        let a = try peakKiB(cfg, data: small, out: dir.appendingPathComponent("a.h5").path)
        let b = try peakKiB(cfg, data: big, out: dir.appendingPathComponent("b.h5").path)
        try #require(a > 0 && b > 0)
        // The cap: a quarter of the file. Copying the ids as Int32 would add 100 MB, as the file's own bytes 50 MB;
        // reading it through the mapping would leave up to 50 MB of file pages resident. Streaming adds the 1 MiB
        // read buffer and its 2 MiB of Int32s, and 20 steps touch at most 20·8 windows of 17 ids (one page each).
        let capKiB = 50_000_000 / 4 / 1024
        #expect(b - a < capKiB, "peak RSS \(a) KiB on 40 KB of ids, \(b) KiB on 50 MB: grew by \(b - a) KiB (cap \(capKiB))")
        print("streaming: peak RSS \(a) KiB (40 KB .bin) vs \(b) KiB (50 MB .bin)")
    }
}
