// DataLabeledFilesTests: labelled arrays from CSV, HDF5, .npz, a folder of .npy and IDX pairs load alike, split
// deterministically, and every kind of bad input is one clear error naming the file, row, column or key.
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite struct DataLabeledFilesTests {
    typealias F = UserDataFixtures
    static let fit = DataFit(family: "mlp", model: "m.h5")

    /// The same 50 examples in every format; each loads to the same splits (same digests).
    @Test func everyFormatGivesTheSameSplits() throws {
        let dir = TestSupport.tempDir("labeled").path
        let (x, y) = F.blobs(50)
        try F.write(F.csv(x, y, features: 3), to: dir + "/t.csv")
        try F.hdf5(dir + "/t.h5", floats: ["x": (x, [50, 3])], ints: ["y": (y, [50])])
        try F.npz(dir + "/t.npz", ["x": F.npy("<f4", shape: [50, 3], payload: F.floats(x)), "y": F.npy("<i8", shape: [50], payload: F.int64s(y))])
        try FileManager.default.createDirectory(atPath: dir + "/npy", withIntermediateDirectories: true)
        try Data(F.npy("<f4", shape: [50, 3], payload: F.floats(x))).write(to: URL(fileURLWithPath: dir + "/npy/x.npy"))
        try Data(F.npy("<i8", shape: [50], payload: F.int64s(y))).write(to: URL(fileURLWithPath: dir + "/npy/y.npy"))
        var digests: [[String]] = []
        for (file, format) in [("t.csv", "csv"), ("t.h5", "hdf5"), ("t.npz", "npy"), ("npy", "npy"), ("npy/x.npy", "npy")] {
            let d = try TaskData.load(DataSpec(path: dir + "/" + file), fit: Self.fit)
            let p = try d.provenance()
            #expect(p.format == format && p.detected, "\(file)")
            #expect(p.splits["train"]?.size == 40 && p.splits["val"]?.size == 5 && p.splits["test"]?.size == 5, "\(file): \(p.splits)")
            #expect(d.features == 3 && d.classes == 3)
            digests.append(["train", "val", "test"].map { p.splits[$0]!.sha256 })
        }
        #expect(Set(digests).count == 1, "every format gives the same split content")
    }

    @Test func givenSplitsAreKeptAndModelClassesBound() throws {
        let dir = TestSupport.tempDir("labeled").path
        let (x, y) = F.blobs(30)
        try F.hdf5(dir + "/s.h5", floats: ["x": (x, [30, 3]), "x_val": (Array(x[0..<18]), [6, 3]), "x_test": (Array(x[0..<9]), [3, 3])],
                   ints: ["y": (y, [30]), "y_val": (Array(y[0..<6]), [6]), "y_test": (Array(y[0..<3]), [3])])
        var fit = Self.fit
        fit.classes = 5
        let d = try TaskData.load(DataSpec(path: dir + "/s.h5"), fit: fit)
        let p = try d.provenance()
        #expect(p.splits["train"]?.size == 30 && p.splits["val"]?.size == 6 && p.splits["test"]?.size == 3)
        #expect(p.splits["val"]?.origin.hasSuffix("x_val") == true)
        #expect(d.classes == 5, "the model's classes, not max label + 1")
    }

    @Test func csvErrorsNameRowAndColumn() throws {
        let dir = TestSupport.tempDir("csv").path
        let cases: [(String, String)] = [
            ("a,b,label\n1,2,0\n3,4\n", "t.csv: expected 3 fields in every row (as the header has), found 2 in row 3"),
            ("a,b,label\n1,2,0\n3,x,1\n", "t.csv: expected a finite number in every cell, found \"x\" in row 3, column \"b\""),
            ("a,b,label\n1,2,0\n3,4,1.5\n", "t.csv: column \"label\": expected whole-number class labels, found label 1.5 at row 1 (not an integer)"),
            ("a,b,cls\n1,2,0\n", "t.csv: expected a label column named \"label\" (set it with --label or data.label), found columns \"a\", \"b\", \"cls\""),
            ("", "t.csv: expected a CSV header row"),
        ]
        for (text, expected) in cases {
            try F.write(text, to: dir + "/t.csv")
            let m = F.error { _ = try TaskData.load(DataSpec(path: dir + "/t.csv"), fit: Self.fit) }
            #expect(m?.hasSuffix(expected) == true || m?.contains(expected) == true, "\(m ?? "no error")")
        }
        #expect(F.listing(dir) == ["t.csv"], "a failed read writes nothing")
    }

    @Test func labelAndLengthErrors() throws {
        let dir = TestSupport.tempDir("labels").path
        let (x, y) = F.blobs(12)
        try F.hdf5(dir + "/len.h5", floats: ["x": (x, [12, 3])], ints: ["y": (Array(y[0..<11]), [11])])
        #expect(F.error { _ = try TaskData.load(DataSpec(path: dir + "/len.h5"), fit: Self.fit) }
                == "\(dir)/len.h5: y: expected 12 labels, one per row of x, found 11 (x and y differ in length)")
        var fit = Self.fit
        fit.classes = 2
        try F.hdf5(dir + "/range.h5", floats: ["x": (x, [12, 3])], ints: ["y": (y, [12])])
        #expect(F.error { _ = try TaskData.load(DataSpec(path: dir + "/range.h5"), fit: fit) }
                == "\(dir)/range.h5: y: expected labels in 0..<2 (the model's 2 classes), found label 2 at row 2")
        try F.hdf5(dir + "/neg.h5", floats: ["x": (x, [12, 3])], ints: ["y": ([-1] + Array(y[1...]), [12])])
        #expect(F.error { _ = try TaskData.load(DataSpec(path: dir + "/neg.h5"), fit: Self.fit) }?.contains("found label -1 at row 0") == true)
        fit.classes = 3
        fit.features = 4
        #expect(F.error { _ = try TaskData.load(DataSpec(path: dir + "/range.h5"), fit: fit) }
                == "\(dir)/range.h5: x: expected 4 features (the inputs of m.h5), found 3")
        try F.hdf5(dir + "/nox.h5", floats: ["y": ([0, 1], [2])])
        #expect(F.error { _ = try TaskData.load(DataSpec(path: dir + "/nox.h5"), fit: Self.fit) }?.contains("expected an array \"x\" beside \"y\"") == true)
    }

    @Test func idxPairOfAnySizeLoads() throws {
        let dir = TestSupport.tempDir("idx").path
        let images = DataFixtures.idx(dims: [20, 2, 3], payload: (0..<120).map { UInt8($0 * 2) })
        try DataFixtures.write(images, to: dir + "/my-images-idx3-ubyte")
        try DataFixtures.write(DataFixtures.idx(dims: [20], payload: (0..<20).map { UInt8($0 % 4) }), to: dir + "/my-labels-idx1-ubyte")
        let d = try TaskData.load(DataSpec(path: dir + "/my-images-idx3-ubyte"), fit: Self.fit)
        #expect(d.features == 6 && d.classes == 4 && d.trainSize == 16)
        #expect(try d.provenance().format == "idx")
        let folder = try TaskData.load(DataSpec(path: dir), fit: Self.fit)
        #expect(try folder.provenance().splits == d.provenance().splits)
    }

    @Test func aSplitSmallerThanOneBatchIsAnError() throws {
        let dir = TestSupport.tempDir("batch").path
        let (x, y) = F.blobs(20)
        try F.write(F.csv(x, y, features: 3), to: dir + "/t.csv")
        let d = try TaskData.load(DataSpec(path: dir + "/t.csv"), fit: Self.fit)
        let m = F.error { _ = try TrainBatches(d, batchSize: 32, context: 1, seed: 1) }
        #expect(m == "\(dir)/t.csv (train split): expected at least 32 examples (one batch), found 16")
    }

    /// Truncated or corrupted .npz and HDF5 files are errors naming the file; nothing crashes.
    @Test func truncatedAndCorruptedArchivesAreErrors() throws {
        let dir = TestSupport.tempDir("fuzz").path
        let (x, y) = F.blobs(30)
        try F.npz(dir + "/good.npz", ["x": F.npy("<f4", shape: [30, 3], payload: F.floats(x)), "y": F.npy("<i8", shape: [30], payload: F.int64s(y))])
        try F.hdf5(dir + "/good.h5", floats: ["x": (x, [30, 3])], ints: ["y": (y, [30])])
        for name in ["good.npz", "good.h5"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
            var rng = RNG(seed: 9)
            var variants: [[UInt8]] = [Array(bytes.prefix(bytes.count / 2)), Array(bytes.prefix(bytes.count - 7)), Array(bytes.prefix(12))]
            // Random corruption only of the zip: libhdf5's own metadata parsing is not this reader's to fuzz.
            for _ in 0..<(name.hasSuffix(".npz") ? 12 : 0) {
                var b = bytes
                for _ in 0..<8 { let i = rng.below(b.count); b[i] = UInt8(truncatingIfNeeded: rng.next()) }
                variants.append(b)
            }
            for (k, v) in variants.enumerated() {
                let p = dir + "/bad-\(k)-" + name
                try Data(v).write(to: URL(fileURLWithPath: p))
                do {
                    let d = try TaskData.load(DataSpec(path: p), fit: Self.fit)
                    #expect(d.trainSize + (try d.provenance().splits["val"]!.size) <= 30, "a corruption that still parses keeps the sizes")
                } catch let e as DataError {
                    #expect(e.source.hasPrefix(p), "\(e)")
                } catch {
                    Issue.record("\(p): not a DataError: \(error)")
                }
            }
        }
    }
}
