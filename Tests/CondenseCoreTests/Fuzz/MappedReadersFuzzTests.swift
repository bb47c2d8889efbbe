// MappedReadersFuzzTests: time-boxed, seeded mutation fuzzing of the labelled-array readers on their mapped path (a
// .npy folder's header and payload, a CSV, an .npz and a gzip IDX pair converted into the array cache): every input
// loads or throws a DataError naming its file, and no temporary file is left in the cache; and hostile gzip IDX and
// chunked HDF5 files (truncated, corrupt CRC or length, huge dims, short or mismatched datasets) are one-line errors
// that leave the cache empty. (HDF5 is fuzzed in a child process by FuzzTests, since libhdf5 itself faults on some
// corruptions.)
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct MappedReadersFuzzTests {
    func seed(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: TestSupport.fuzzSeeds.appendingPathComponent(name)))
    }

    /// Writes each mutation as `name` in a folder (beside the seed `companion`: y.npy for x.npy, the labels for IDX
    /// images) and loads it mapped.
    func fuzz(_ seedName: String, as name: String, format: String, companion: String = "y.npy", tag: UInt64) throws {
        let dir = TestSupport.tempDir("fuzz-mapped")
        let cache = TestSupport.tempDir("fuzz-mapped-cache").path
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(atPath: cache) }
        try Data(try seed(companion)).write(to: dir.appendingPathComponent(companion))
        let path = dir.appendingPathComponent(name).path
        var spec = DataSpec(path: name == "x.npy" ? dir.path : path)
        spec.format = format
        var ok = 0, refused = 0
        let n = try TestSupport.fuzz(seeds: [try seed(seedName)], seconds: TestSupport.fuzzSeconds(default: 4), seed: tag) { bytes, i in
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            try ArrayCache.$folder.withValue(cache) {
                do {
                    let d = try TaskData.load(spec, fit: DataFit(family: "mlp", model: "fuzz"), backing: .mapped)
                    _ = try d.provenance()
                    if case .images(let val) = try d.split(.val) { _ = val.images }
                    ok += 1
                } catch let e as DataError {
                    #expect(i > 0, "the seed must load: \(e)")
                    #expect(e.source.hasPrefix(dir.path) || e.source == "ClassificationSampler", "a file of the folder (the input or its labels): \(e)")
                    refused += 1
                }
            }
        }
        #expect(n > 1 && ok >= 1)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []
        #expect(!left.contains { $0.contains(".tmp") }, "no temporary file is left in the cache: \(left)")
        print("mapped \(format) reader (\(name)): \(n) inputs, \(ok) loaded, \(refused) refused")
    }

    @Test func npyFolderMappedLoadsOrRefusesEveryMutation() throws { try fuzz("x.npy", as: "x.npy", format: "npy", tag: 0x4E5059) }
    @Test func csvConvertedLoadsOrRefusesEveryMutation() throws { try fuzz("table.csv", as: "t.csv", format: "csv", tag: 0x435356) }
    @Test func npzConvertedLoadsOrRefusesEveryMutation() throws { try fuzz("arrays.npz", as: "a.npz", format: "npy", tag: 0x4E505A) }
    @Test func gzipIDXConvertedLoadsOrRefusesEveryMutation() throws {
        try fuzz("images.idx3.gz", as: "images.idx3.gz", format: "idx", companion: "labels.idx1.gz", tag: 0x494458)
    }

    /// Loads `path` mapped with the cache in `cache`: the error's one line (nil when it loads).
    func mappedError(_ path: String, cache: String) -> String? {
        ArrayCache.$folder.withValue(cache) {
            do { _ = try TaskData.load(DataSpec(path: path), fit: DataFit(family: "mlp", model: "m.h5"), backing: .mapped); return nil }
            catch { return "\(error)" }
        }
    }

    /// Expects `path` to be refused with one line starting with `prefix` and holding `expected`, leaving `cache` empty.
    func expectRefused(_ path: String, _ expected: String, prefix: String? = nil, cache: String) {
        let m = mappedError(path, cache: cache)
        #expect(m?.hasPrefix(prefix ?? path) == true && m?.contains(expected) == true && m?.contains("\n") == false,
                "\(m ?? "no error"), expected \(expected)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []
        #expect(left.isEmpty, "nothing is left in the cache: \(left)")
    }

    /// A gzip IDX pair truncated, with a corrupt CRC-32 or length, trailing bytes, a header claiming huge dims (gzip or
    /// plain), a payload longer than declared, or labels of another length: each a one-line error naming the file
    /// and what was expected, with nothing sized by the header allocated and nothing left in the cache.
    @Test func hostileIDXIsAOneLineErrorAndLeavesNothingInTheCache() throws {
        let dir = TestSupport.tempDir("hostile-idx").path
        let cache = TestSupport.tempDir("hostile-idx-cache").path
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: cache) }
        let images = dir + "/t-images-idx3-ubyte.gz", labels = dir + "/t-labels-idx1-ubyte.gz"
        let pixels = (0..<(40 * 600)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 600) }
        let gz = DataFixtures.gzip(DataFixtures.idx(dims: [40, 20, 30], payload: pixels))
        let labelBytes = DataFixtures.gzip(DataFixtures.idx(dims: [40], payload: (0..<40).map { UInt8($0 % 3) }))
        try DataFixtures.write(labelBytes, to: labels)
        var crc = gz; crc[crc.count - 8] ^= 0xFF
        var length = gz; length[length.count - 4] ^= 0x01
        let cases: [([UInt8], String)] = [
            (Array(gz.prefix(gz.count - 10)), "truncated gzip"),
            (Array(gz.prefix(gz.count / 2)), "truncated gzip"),
            (Array(gz.prefix(12)), "truncated gzip"),
            (crc, "incorrect data check"),
            (length, "incorrect length check"),
            (gz + [0, 0, 0, 0], "expected end of file after the gzip stream, found 4 trailing bytes"),
            (DataFixtures.gzip(DataFixtures.idx(dims: [1 << 20, 1 << 10, 1 << 10], payload: pixels)), "can hold (at most 1032× its size), found dims [1048576, 1024, 1024]"),
            (DataFixtures.gzip(DataFixtures.idx(dims: [0x7FFF_FFFF, 0x7FFF_FFFF, 0x7FFF_FFFF], payload: [])), "expected IDX dims whose product fits in memory"),
            (DataFixtures.gzip(DataFixtures.idx(dims: [40, 20, 30], payload: pixels + [1])), "expected 24000 payload bytes for dims [40, 20, 30], found more"),
            (DataFixtures.gzip(DataFixtures.idx(dims: [40, 20, 30], payload: Array(pixels.prefix(23_999)))), "found only 23999 (truncated IDX payload)"),
        ]
        for (bytes, expected) in cases {
            try DataFixtures.write(bytes, to: images)
            expectRefused(images, expected, cache: cache)
        }
        // A plain images file whose header claims 2^30 images: refused from the header and the file's size.
        let plain = dir + "/p-images-idx3-ubyte"
        try DataFixtures.write(DataFixtures.idx(dims: [1 << 30, 28, 28], payload: Array(pixels.prefix(784))), to: plain)
        try DataFixtures.write(DataFixtures.idx(dims: [40], payload: (0..<40).map { UInt8($0 % 3) }), to: dir + "/p-labels-idx1-ubyte")
        expectRefused(plain, "expected 841813590016 payload bytes for dims [1073741824, 28, 28], found only 784 (truncated IDX payload)", cache: cache)
        // Labels of another length: refused before anything is converted.
        try DataFixtures.write(gz, to: images)
        try DataFixtures.write(DataFixtures.gzip(DataFixtures.idx(dims: [39], payload: .init(repeating: 1, count: 39))), to: labels)
        expectRefused(images, "expected 40 labels, one per row of x, found 39 (x and y differ in length)", prefix: labels, cache: cache)
    }

    /// Chunked, gzip-compressed HDF5 x with chunks never written (shorter than declared), a corrupt chunk, a truncated
    /// file, or y of another length: one-line errors naming the file, and nothing left in the cache.
    @Test func hostileChunkedHDF5IsAOneLineErrorAndLeavesNothingInTheCache() throws {
        let dir = TestSupport.tempDir("hostile-h5").path
        let cache = TestSupport.tempDir("hostile-h5-cache").path
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: cache) }
        let script = """
            import h5py, numpy as np, sys
            d = sys.argv[1]; x = np.random.default_rng(1).normal(size=(100, 6)).astype("f4"); y = np.arange(100) % 3
            with h5py.File(d + "/short.h5", "w") as f:
                f.create_dataset("x", shape=(100, 6), dtype="f4", chunks=(10, 6), compression="gzip")[:50] = x[:50]; f["y"] = y
            with h5py.File(d + "/ylen.h5", "w") as f: f.create_dataset("x", data=x, chunks=(10, 6), compression="gzip"); f["y"] = y[:90]
            with h5py.File(d + "/good.h5", "w") as f: f.create_dataset("x", data=x, chunks=(10, 6), compression="gzip"); f["y"] = y
            with h5py.File(d + "/good.h5", "r") as f: c = f["x"].id.get_chunk_info(6); print(c.byte_offset, c.size)
            """
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, dir])
        try #require(r.status == 0, "\(r.stderr)")
        let chunk = r.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        try #require(chunk.count == 2)
        expectRefused(dir + "/short.h5", "only 5 of the 10 chunks are stored", cache: cache)
        expectRefused(dir + "/ylen.h5", "y: expected 100 labels, one per row of x, found 90 (x and y differ in length)", cache: cache)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/good.h5")))
        for i in (chunk[0] + chunk[1] / 3)..<(chunk[0] + chunk[1] / 3 + 8) { bytes[i] ^= 0x5A }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/corrupt.h5"))
        expectRefused(dir + "/corrupt.h5", "the data is corrupt or truncated", cache: cache)
        let good = try Data(contentsOf: URL(fileURLWithPath: dir + "/good.h5"))
        try good.prefix(chunk[0] + chunk[1] / 2).write(to: URL(fileURLWithPath: dir + "/cut.h5"))
        expectRefused(dir + "/cut.h5", "truncated or corrupt", cache: cache)
        #expect(mappedError(dir + "/good.h5", cache: cache) == nil, "the intact file loads")
    }
}
