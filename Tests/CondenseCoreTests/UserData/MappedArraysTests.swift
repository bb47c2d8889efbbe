// MappedArraysTests: labelled arrays read from a memory-mapped file (a .npy folder, a contiguous HDF5 dataset, a plain
// IDX pair) or converted once into the array cache (a chunked, compressed HDF5 dataset, a gzip IDX pair) give the
// splits, digests, batches and trained weights of the same file read whole; and truncated, corrupted or
// oversized-header inputs are one clear error that writes nothing.
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite struct MappedArraysTests {
    typealias F = UserDataFixtures
    static let fit = DataFit(family: "mlp", model: "m.h5")

    /// A folder of x.npy (`descr`, the payload `encode` gives for the floats) and y.npy (int64).
    static func npyFolder(_ dir: String, n: Int, features: Int, descr: String = "<f4", encode: ([Float]) -> [UInt8] = F.floats) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let (x, y) = F.blobs(n, features: features, seed: 7)
        try Data(F.npy(descr, shape: [n, features], payload: encode(x))).write(to: URL(fileURLWithPath: dir + "/x.npy"))
        try Data(F.npy("<i8", shape: [n], payload: F.int64s(y))).write(to: URL(fileURLWithPath: dir + "/y.npy"))
    }

    static func float64s(_ v: [Float]) -> [UInt8] { v.map(Double.init).withUnsafeBytes { Array($0) } }
    static func int16s(_ v: [Float]) -> [UInt8] { v.map { Int16(($0 * 100).rounded()) }.withUnsafeBytes { Array($0) } }
    static func bigEndianFloat64s(_ v: [Float]) -> [UInt8] { v.map { Double($0).bitPattern.bigEndian }.withUnsafeBytes { Array($0) } }

    /// The first `k` training batches and one pass over val, as (x, y) arrays.
    static func batches(_ d: TaskData, k: Int = 6) throws -> [[Float]] {
        let tb = try TrainBatches(d, batchSize: 16, context: 1, seed: 11)
        var out: [[Float]] = []
        for _ in 0..<k { try tb.next(); out.append(tb.x.array + tb.targets.map(Float.init)) }
        guard case .images(let val) = try d.split(.val) else { return out }
        var it = try ClassificationEvalIterator(data: val, batchSize: 7)
        let x = Tensor(zeros: [7, val.features])
        var y = [Int32](repeating: 0, count: 7)
        while try it.next(x: x, y: &y) != nil { out.append(x.array + y.map(Float.init)) }
        return out
    }

    /// Both backings of `path`: the mapped one maps the training split, and both give equal provenance and batches.
    static func expectSameBothWays(_ path: String, mapped expectMapped: Bool = true) throws {
        let a = try TaskData.load(DataSpec(path: path), fit: fit, backing: .memory)
        let b = try TaskData.load(DataSpec(path: path), fit: fit, backing: .mapped)
        guard case .classification(let ta, _, _) = a, case .classification(let tb, _, _) = b else { Issue.record("not classification"); return }
        #expect(!ta.isMapped && tb.isMapped == expectMapped, "\(path)")
        #expect(try a.provenance() == b.provenance(), "\(path): same sizes and SHA-256 digests")
        #expect(try batches(a) == batches(b), "\(path): same batches")
        #expect((b.mappedBytes ?? 0 > 0) == expectMapped && a.mappedBytes == nil, "\(path): the mapped bytes the memory estimate reports")
    }

    @Test func npyFoldersOfEveryDtypeGiveTheSameSplitsAndBatchesMapped() throws {
        let root = TestSupport.tempDir("mapped-npy").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cases: [(String, ([Float]) -> [UInt8])] = [("<f4", F.floats), ("<f8", Self.float64s), ("<i2", Self.int16s), (">f8", Self.bigEndianFloat64s)]
        for (i, (descr, encode)) in cases.enumerated() {
            try Self.npyFolder(root + "/\(i)", n: 200, features: 5, descr: descr, encode: encode)
            try Self.expectSameBothWays(root + "/\(i)")
            try Self.expectSameBothWays(root + "/\(i)/x.npy")
        }
    }

    @Test func contiguousHDF5IsMappedAndCompressedHDF5IsConverted() throws {
        let dir = TestSupport.tempDir("mapped-h5").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (x, y) = F.blobs(150, features: 4, seed: 3)
        try F.hdf5(dir + "/c.h5", floats: ["x": (x, [150, 4]), "x_val": (Array(x[0..<80]), [20, 4])],
                   ints: ["y": (y, [150]), "y_val": (Array(y[0..<20]), [20])])
        // float64 and int16 x mapped in place; gzip-compressed chunked x (and x_val), and big-endian and int64 x,
        // converted into the array cache.
        let script = """
            import h5py, numpy as np, sys
            rng = np.random.default_rng(0)
            x = rng.normal(size=(120, 6)); y = np.arange(120) % 3
            with h5py.File(sys.argv[1] + "/f8.h5", "w") as f: f["x"] = x; f["y"] = y
            with h5py.File(sys.argv[1] + "/i2.h5", "w") as f: f["x"] = (x * 100).astype("<i2"); f["y"] = y
            with h5py.File(sys.argv[1] + "/gz.h5", "w") as f:
                f.create_dataset("x", data=x.astype("f4"), chunks=(16, 6), compression="gzip"); f["y"] = y
                f.create_dataset("x_val", data=x[:30].astype("f4"), chunks=(7, 3), compression="gzip", shuffle=True); f["y_val"] = y[:30]
            with h5py.File(sys.argv[1] + "/be.h5", "w") as f: f["x"] = x.astype(">f8"); f["y"] = y
            with h5py.File(sys.argv[1] + "/i8.h5", "w") as f: f.create_dataset("x", data=(x * 1000).astype("<i8"), chunks=(50, 6)); f["y"] = y
            """
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, dir])
        try #require(r.status == 0, "\(r.stderr)")
        try ArrayCacheTests.withCache { cache in
            try Self.expectSameBothWays(dir + "/c.h5")
            try Self.expectSameBothWays(dir + "/f8.h5")
            try Self.expectSameBothWays(dir + "/i2.h5")
            #expect(F.listing(cache).isEmpty, "mapped in place: nothing converted")
            for name in ["gz.h5", "be.h5", "i8.h5"] { try Self.expectSameBothWays(dir + "/" + name) }
            #expect(F.listing(cache).count == 4, "one entry per converted x: \(F.listing(cache))")
        }
        #expect(DataSpec(path: dir + "/gz.h5").mappableArrays(family: "mlp") == MappableArrays(rows: 150, bytes: 150 * 6 * 4))
        #expect(DataSpec(path: dir + "/c.h5").mappableArrays(family: "mlp") == MappableArrays(rows: 170, bytes: 170 * 16))
    }

    /// IDX images (`dims`, pixels (3i + 5j) mod 256) and labels i mod 3, gzip-compressed or plain.
    static func idxPair(_ dir: String, prefix: String, dims: [Int], gzip: Bool) throws {
        let n = dims[0], f = dims.dropFirst().reduce(1, *)
        let pixels = (0..<(n * f)).map { UInt8(truncatingIfNeeded: 3 * ($0 / f) + 5 * ($0 % f)) }
        let images = DataFixtures.idx(dims: dims, payload: pixels), labels = DataFixtures.idx(dims: [n], payload: (0..<n).map { UInt8($0 % 3) })
        let ext = gzip ? ".gz" : ""
        try DataFixtures.write(gzip ? DataFixtures.gzip(images) : images, to: "\(dir)/\(prefix)-images-idx3-ubyte\(ext)")
        try DataFixtures.write(gzip ? DataFixtures.gzip(labels) : labels, to: "\(dir)/\(prefix)-labels-idx1-ubyte\(ext)")
    }

    /// A plain IDX pair is mapped in place (nothing in the cache); a gzip pair is converted once (one entry per images
    /// file, reused while its bytes match, another when they change); both give the whole read's splits and batches.
    @Test func idxPairsAreMappedOrConvertedAndGiveTheSameSplits() throws {
        let dir = TestSupport.tempDir("mapped-idx").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for d in ["plain", "gz", "folder"] { try FileManager.default.createDirectory(atPath: dir + "/" + d, withIntermediateDirectories: true) }
        try Self.idxPair(dir + "/plain", prefix: "my", dims: [120, 3, 4], gzip: false)
        try Self.idxPair(dir + "/gz", prefix: "my", dims: [120, 3, 4], gzip: true)
        try Self.idxPair(dir + "/folder", prefix: "train", dims: [150, 2, 2, 3], gzip: true)
        try Self.idxPair(dir + "/folder", prefix: "t10k", dims: [40, 2, 2, 3], gzip: false)
        try ArrayCacheTests.withCache { cache in
            try Self.expectSameBothWays(dir + "/plain/my-images-idx3-ubyte")
            #expect(F.listing(cache).isEmpty, "a plain IDX file is mapped in place")
            try Self.expectSameBothWays(dir + "/gz/my-images-idx3-ubyte.gz")
            try Self.expectSameBothWays(dir + "/folder")
            let written = F.listing(cache)
            #expect(written.count == 2, "one entry per gzip images file: \(written)")
            try Self.expectSameBothWays(dir + "/gz/my-images-idx3-ubyte.gz")
            #expect(F.listing(cache) == written, "reused while the bytes match")
            try Self.idxPair(dir + "/gz", prefix: "my", dims: [120, 4, 3], gzip: true)
            try Self.expectSameBothWays(dir + "/gz/my-images-idx3-ubyte.gz")
            #expect(F.listing(cache).count == 3, "another file is another key")
        }
        #expect(DataSpec(path: dir + "/plain/my-images-idx3-ubyte").mappableArrays(family: "mlp") == MappableArrays(rows: 120, bytes: 120 * 12))
        #expect(DataSpec(path: dir + "/folder").mappableArrays(family: "mlp") == MappableArrays(rows: 190, bytes: 190 * 12))
        #expect(DataSpec(path: dir + "/gz/my-images-idx3-ubyte.gz").inMemoryEstimate(family: "mlp") == 9 * 120 * 12)
    }

    /// A few AdamW steps of an MLP on the mapped set end in the weights of the in-memory run, bit for bit: a .npy
    /// folder, a gzip and a plain IDX pair, and a chunked, gzip-compressed HDF5 file (converted into the cache).
    @Test func trainingOnMappedArraysGivesTheSameWeights() throws {
        let root = TestSupport.tempDir("mapped-train").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.npyFolder(root + "/npy", n: 300, features: 8)
        for d in ["gz", "plain"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
        try Self.idxPair(root + "/gz", prefix: "train", dims: [300, 2, 4], gzip: true)
        try Self.idxPair(root + "/plain", prefix: "train", dims: [300, 2, 4], gzip: false)
        let script = """
            import h5py, numpy as np, sys
            x = np.random.default_rng(4).normal(size=(300, 8)).astype("f4"); y = np.arange(300) % 3
            with h5py.File(sys.argv[1], "w") as f: f.create_dataset("x", data=x, chunks=(32, 8), compression="gzip"); f["y"] = y
            """
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, root + "/c.h5"])
        try #require(r.status == 0, "\(r.stderr)")
        try ArrayCacheTests.withCache { cache in
            for path in [root + "/npy", root + "/gz", root + "/plain", root + "/c.h5"] {
                let weights = try [DataBacking.memory, .mapped].map { try Self.trainedWeights(path, backing: $0, runDir: root + "/run-\($0)") }
                #expect(weights[0].count > 0 && weights[0].elementsEqual(weights[1]) { $0.bitPattern == $1.bitPattern }, "\(path)")
            }
            #expect(F.listing(cache).count == 2, "the gzip IDX and the HDF5 x converted: \(F.listing(cache))")
        }
    }

    /// The weights after 12 AdamW steps of an 8-16-3 MLP on `path` read with `backing`.
    static func trainedWeights(_ path: String, backing: DataBacking, runDir: String) throws -> [Float] {
        let data = try TaskData.load(DataSpec(path: path), fit: fit, backing: backing)
        guard case .classification(let train, _, _) = data, train.isMapped == (backing == .mapped) else {
            Issue.record("\(path): not read \(backing)"); return []
        }
        let net = makeNetwork(.mlp(MLPConfig(inputs: 8, hidden: [16], classes: 3)), seed: 2)
        var o = TrainingOptions()
        o.batch_size = 16; o.steps = 12; o.eval_every = 6; o.checkpoint_every = 6; o.log_every = 6
        try? FileManager.default.removeItem(atPath: runDir)
        try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
        let t = Trainer(net: net, data: data, options: o, seed: 3, runDir: runDir, config: .null)
        t.quiet = true
        _ = try t.run(resume: false)
        return net.params.names.flatMap { net.params[$0].array }
    }

    /// Truncated payloads, oversized or lying headers, a NaN, and x/y of different lengths: one error naming the file
    /// (and row and column), before anything sized by the header is allocated; the folder keeps only its own files.
    @Test func badMappedInputsAreClearErrors() throws {
        let dir = TestSupport.tempDir("mapped-bad").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (x, y) = F.blobs(40, features: 3)
        let yBytes = Data(F.npy("<i8", shape: [40], payload: F.int64s(y)))
        try yBytes.write(to: URL(fileURLWithPath: dir + "/y.npy"))
        let good = F.npy("<f4", shape: [40, 3], payload: F.floats(x))
        var nan = x; nan[3 * 17 + 2] = .nan
        var hugeHeader = good; hugeHeader[8] = 0xFF; hugeHeader[9] = 0xFF
        var v2Huge: [UInt8] = F.npy("<f4", shape: [40, 3], payload: F.floats(x), version: 2); v2Huge[11] = 0x7F
        let cases: [([UInt8], String)] = [
            (Array(good.prefix(good.count - 5)), "expected 480 payload bytes for shape [40, 3] of <f4, found 475 (truncated)"),
            (Array(good.prefix(9)), "expected a .npy file (magic \\x93NUMPY), found only 9 bytes"),
            (hugeHeader, "expected a .npy header of 65535 bytes (as declared), found a truncated file"),
            (v2Huge, "expected a .npy header of at most 65536 bytes, found a declared header of"),
            (F.npy("<f4", shape: [1 << 40, 1 << 30], payload: F.floats(x)), "expected a shape whose size fits in memory"),
            (F.npy("<f4", shape: [400_000_000, 3], payload: F.floats(x)), "expected 4800000000 payload bytes"),
            (F.npy("<f4", shape: [40, 3], payload: F.floats(nan)), "x: expected finite features, found nan at row 17, column 2"),
            (F.npy("<f4", shape: [39, 3], payload: F.floats(Array(x.prefix(117)))), "y: expected 39 labels, one per row of x, found 40 (x and y differ in length)"),
            (F.npy("<U4", shape: [40, 3], payload: F.floats(x)), "expected a numeric dtype"),
        ]
        for (bytes, expected) in cases {
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/x.npy"))
            let m = F.error { _ = try TaskData.load(DataSpec(path: dir), fit: Self.fit, backing: .mapped) }
            #expect(m?.hasPrefix(dir) == true && m?.contains(expected) == true, "\(m ?? "no error"), expected \(expected)")
            #expect(DataSpec(path: dir).mappableArrays(family: "mlp") == nil || expected.contains("finite") || expected.contains("labels"))
        }
        #expect(F.listing(dir) == ["x.npy", "y.npy"], "a failed read writes nothing")
        // A truncated HDF5 file whose contiguous x runs past its end.
        try F.hdf5(dir + "/t.h5", floats: ["x": (x, [40, 3])], ints: ["y": (y, [40])])
        let h5 = try Data(contentsOf: URL(fileURLWithPath: dir + "/t.h5"))
        for cut in [h5.count - 9, h5.count / 2, 100] {
            try h5.prefix(cut).write(to: URL(fileURLWithPath: dir + "/cut.h5"))
            let m = F.error { _ = try TaskData.load(DataSpec(path: dir + "/cut.h5"), fit: Self.fit, backing: .mapped) }
            #expect(m?.hasPrefix(dir + "/cut.h5") == true, "\(m ?? "no error")")
        }
    }
}
