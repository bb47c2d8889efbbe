// ArrayCacheTests: a CSV and an .npz converted once into the array cache give the splits, digests and batches of the
// same file read whole; the entry is reused while the source's bytes match and rewritten when it is damaged; bad
// input is the whole read's error and leaves no file in the cache.
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite struct ArrayCacheTests {
    typealias F = UserDataFixtures
    static let fit = DataFit(family: "mlp", model: "m.h5")

    /// Runs `body` with a fresh cache folder, removed afterwards.
    static func withCache(_ body: (String) throws -> Void) throws {
        let cache = TestSupport.tempDir("array-cache").path
        defer { try? FileManager.default.removeItem(atPath: cache) }
        try ArrayCache.$folder.withValue(cache) { try body(cache) }
    }

    static func entries(_ cache: String) -> [String] { F.listing(cache) }

    @Test func csvAndNpzConvertedOnceGiveTheSameSplitsAndBatches() throws {
        let dir = TestSupport.tempDir("cache-src").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (x, y) = F.blobs(120, features: 4, seed: 5)
        try F.write(F.csv(x, y, features: 4), to: dir + "/t.csv")
        let xv = Array(x[0..<80]).map { Double($0) }
        try F.npz(dir + "/t.npz", ["x": F.npy("<f4", shape: [120, 4], payload: F.floats(x)), "y": F.npy("<i8", shape: [120], payload: F.int64s(y)),
                                   "x_val": F.npy("<f8", shape: [20, 4], payload: xv.withUnsafeBytes { Array($0) }),
                                   "y_val": F.npy("<i8", shape: [20], payload: F.int64s(Array(y[0..<20])))])
        try Self.withCache { cache in
            for file in ["t.csv", "t.npz"] {
                try MappedArraysTests.expectSameBothWays(dir + "/" + file)
            }
            let written = Self.entries(cache)
            #expect(written.count == 3 && written.allSatisfy { $0.hasSuffix(".arrays") }, "one entry per converted x: \(written)")
            // A second read maps the same entries: nothing is rewritten.
            let stamps = try written.map { try FileManager.default.attributesOfItem(atPath: cache + "/" + $0)[.modificationDate] as? Date }
            _ = try TaskData.load(DataSpec(path: dir + "/t.csv"), fit: Self.fit, backing: .mapped)
            _ = try TaskData.load(DataSpec(path: dir + "/t.npz"), fit: Self.fit, backing: .mapped)
            #expect(try written.map { try FileManager.default.attributesOfItem(atPath: cache + "/" + $0)[.modificationDate] as? Date } == stamps)
            #expect(Self.entries(cache) == written)
            // A damaged entry is not trusted: it is written again, and the data reads as before.
            let victim = cache + "/" + written[0]
            let bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
            for w in written { try bytes.prefix(bytes.count - 3).write(to: URL(fileURLWithPath: cache + "/" + w)) }
            try MappedArraysTests.expectSameBothWays(dir + "/t.csv")
            try MappedArraysTests.expectSameBothWays(dir + "/t.npz")
            #expect(Self.entries(cache) == written)
            // Other bytes are another key.
            try F.write(F.csv(x, y.map { ($0 + 1) % 3 }, features: 4), to: dir + "/t.csv")
            _ = try TaskData.load(DataSpec(path: dir + "/t.csv"), fit: Self.fit, backing: .mapped)
            #expect(Self.entries(cache).count == 4)
        }
    }

    /// Ragged rows, non-numeric cells, NaN in an .npz member, truncated and corrupted archives: the error a whole
    /// read gives (file, row, column), and no entry or temporary file in the cache.
    @Test func badInputToAConversionLeavesNothingInTheCache() throws {
        let dir = TestSupport.tempDir("cache-bad").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (x, y) = F.blobs(30)
        var nan = x; nan[3 * 11 + 1] = .infinity
        let csvCases = ["a,b,label\n1,2,0\n3,4\n", "a,b,label\n1,2,0\n3,x,1\n", "a,b,cls\n1,2,0\n", "", "a,\"b,label\n1,2,0\n"]
        try Self.withCache { cache in
            for text in csvCases {
                try F.write(text, to: dir + "/t.csv")
                let whole = F.error { _ = try TaskData.load(DataSpec(path: dir + "/t.csv"), fit: Self.fit, backing: .memory) }
                let mapped = F.error { _ = try TaskData.load(DataSpec(path: dir + "/t.csv"), fit: Self.fit, backing: .mapped) }
                #expect(whole != nil && mapped == whole, "\(text.debugDescription): \(mapped ?? "no error") vs \(whole ?? "no error")")
            }
            try F.npz(dir + "/nan.npz", ["x": F.npy("<f4", shape: [30, 3], payload: F.floats(nan)), "y": F.npy("<i8", shape: [30], payload: F.int64s(y))])
            let m = F.error { _ = try TaskData.load(DataSpec(path: dir + "/nan.npz"), fit: Self.fit, backing: .mapped) }
            #expect(m == "\(dir)/nan.npz: x: expected finite features, found inf at row 11, column 1", "\(m ?? "no error")")
            #expect(Self.entries(cache).isEmpty, "\(Self.entries(cache))")
            try F.npz(dir + "/good.npz", ["x": F.npy("<f4", shape: [30, 3], payload: F.floats(x)), "y": F.npy("<i8", shape: [30], payload: F.int64s(y))])
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/good.npz")))
            var rng = RNG(seed: 21)
            var variants: [[UInt8]] = [Array(bytes.prefix(bytes.count / 2)), Array(bytes.prefix(bytes.count - 7)), Array(bytes.prefix(12))]
            for _ in 0..<16 {
                var b = bytes
                for _ in 0..<6 { let i = rng.below(b.count); b[i] = UInt8(truncatingIfNeeded: rng.next()) }
                variants.append(b)
            }
            for (k, v) in variants.enumerated() {
                let p = dir + "/bad-\(k).npz"
                try Data(v).write(to: URL(fileURLWithPath: p))
                do { _ = try TaskData.load(DataSpec(path: p), fit: Self.fit, backing: .mapped) } catch let e as DataError {
                    #expect(e.source.hasPrefix(p), "\(e)")
                }
            }
            #expect(!Self.entries(cache).contains { $0.contains(".tmp") }, "no temporary file is left: \(Self.entries(cache))")
        }
    }
}
