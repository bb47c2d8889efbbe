// MappedArraysTests: labelled arrays read from a memory-mapped file (a .npy folder, a contiguous HDF5 dataset) give the
// splits, digests, batches and trained weights of the same file read whole; a compressed HDF5 dataset falls back to a
// whole read; and truncated, corrupted or oversized-header inputs are one clear error that writes nothing.
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

    @Test func contiguousHDF5IsMappedAndCompressedHDF5IsReadWhole() throws {
        let dir = TestSupport.tempDir("mapped-h5").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (x, y) = F.blobs(150, features: 4, seed: 3)
        try F.hdf5(dir + "/c.h5", floats: ["x": (x, [150, 4]), "x_val": (Array(x[0..<80]), [20, 4])],
                   ints: ["y": (y, [150]), "y_val": (Array(y[0..<20]), [20])])
        try Self.expectSameBothWays(dir + "/c.h5")
        // float64 and int16 x, and a gzip-compressed chunked x (read whole even when mapping is asked for).
        let script = """
            import h5py, numpy as np, sys
            rng = np.random.default_rng(0)
            x = rng.normal(size=(120, 6)); y = np.arange(120) % 3
            with h5py.File(sys.argv[1] + "/f8.h5", "w") as f: f["x"] = x; f["y"] = y
            with h5py.File(sys.argv[1] + "/i2.h5", "w") as f: f["x"] = (x * 100).astype("<i2"); f["y"] = y
            with h5py.File(sys.argv[1] + "/gz.h5", "w") as f: f.create_dataset("x", data=x.astype("f4"), chunks=(16, 6), compression="gzip"); f["y"] = y
            """
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, dir])
        try #require(r.status == 0, "\(r.stderr)")
        try Self.expectSameBothWays(dir + "/f8.h5")
        try Self.expectSameBothWays(dir + "/i2.h5")
        try Self.expectSameBothWays(dir + "/gz.h5", mapped: false)
        #expect(DataSpec(path: dir + "/gz.h5").mappableArrays(family: "mlp") == nil)
        #expect(DataSpec(path: dir + "/c.h5").mappableArrays(family: "mlp") == MappableArrays(rows: 170, bytes: 170 * 16))
    }

    /// A few AdamW steps of an MLP on the mapped set end in the weights of the in-memory run, bit for bit.
    @Test func trainingOnMappedArraysGivesTheSameWeights() throws {
        let root = TestSupport.tempDir("mapped-train").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.npyFolder(root + "/npy", n: 300, features: 8)
        var weights: [[Float]] = []
        for backing in [DataBacking.memory, .mapped] {
            let data = try TaskData.load(DataSpec(path: root + "/npy"), fit: Self.fit, backing: backing)
            let net = makeNetwork(.mlp(MLPConfig(inputs: 8, hidden: [16], classes: 3)), seed: 2)
            var o = TrainingOptions()
            o.batch_size = 16; o.steps = 12; o.eval_every = 6; o.checkpoint_every = 6; o.log_every = 6
            try FileManager.default.createDirectory(atPath: root + "/run-\(backing)", withIntermediateDirectories: true)
            let t = Trainer(net: net, data: data, options: o, seed: 3, runDir: root + "/run-\(backing)", config: .null)
            t.quiet = true
            _ = try t.run(resume: false)
            weights.append(net.params.names.flatMap { net.params[$0].array })
        }
        #expect(weights[0].count > 0 && weights[0].elementsEqual(weights[1]) { $0.bitPattern == $1.bitPattern })
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
