// LabeledArrays: labelled examples as read from a user's file (x as floats in memory or rows of a mapped file, y as
// raw numbers), checked and cut into train/val/test LabeledImages with their provenance.
import Foundation

/// One split as a reader found it, before its labels are checked.
public struct RawExamples {
    /// The features: in memory, or a mapped file's rows (checked for being finite in one streaming pass).
    public var x: ExampleRows
    public var rows: Int
    public var features: Int
    /// Labels as read; each must be a whole number in range (checked by `LabeledSplits`).
    public var y: [Double]
    /// The file (and dataset or column) named in errors and in the provenance; `labelSource` for the labels.
    public var source: String
    public var labelSource: String

    public init(x: [Float], rows: Int, features: Int, y: [Double], source: String, ySource: String? = nil) throws {
        try Self.checkShape(rows: rows, features: features, labels: y.count, source: source, ySource: ySource)
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw DataError(source, expected: "finite features", found: "\(x[bad]) at row \(bad / features), column \(bad % features)")
        }
        let t = Tensor(uninitialized: [rows, features])
        x.withUnsafeBufferPointer { t.data.update(from: $0.baseAddress!, count: rows * features) }
        self.x = ExampleRows(t); self.rows = rows; self.features = features; self.y = y; self.source = source
        labelSource = ySource ?? source
    }

    /// The rows of a mapped matrix; every element is checked for being finite in one pass with pread(2).
    public init(mapped m: MappedMatrix, y: [Double], ySource: String? = nil) throws {
        try Self.checkShape(rows: m.rows, features: m.columns, labels: y.count, source: m.source, ySource: ySource)
        try m.checkFinite()
        x = ExampleRows(mapped: m); rows = m.rows; features = m.columns; self.y = y; source = m.source
        labelSource = ySource ?? m.source
    }

    static func checkShape(rows: Int, features: Int, labels: Int, source: String, ySource: String?) throws {
        guard labels == rows else {
            throw DataError(ySource ?? source, expected: "\(rows) labels, one per row of x", found: "\(labels) (x and y differ in length)")
        }
        guard rows >= 1, features >= 1 else {
            throw DataError(source, expected: "at least one example of at least one feature", found: "\(rows) × \(features)")
        }
    }
}

/// What a reader returns: the train examples (or all of them) and any splits the file names.
public struct RawSplits {
    public var train: RawExamples
    public var val: RawExamples?
    public var test: RawExamples?
    public init(train: RawExamples, val: RawExamples? = nil, test: RawExamples? = nil) {
        self.train = train; self.val = val; self.test = test
    }
}

public enum LabeledSplits {
    /// The seed of the permutation that cuts missing splits from train (documented in docs/RECIPES.md).
    public static let splitSeed: UInt64 = 0

    /// Checks labels (whole, in 0..<classes; `classes` nil takes max + 1) and feature widths, and cuts each missing
    /// split from train: a seeded permutation, test = its last round(n·test_fraction), val the round(n·val_fraction) before.
    public static func make(_ raw: RawSplits, classes: Int?, spec: DataSpec) throws
        -> (train: LabeledImages, val: LabeledImages, test: LabeledImages, records: [String: SplitRecord]) {
        let all = [raw.train] + [raw.val, raw.test].compactMap { $0 }
        for r in all where r.features != raw.train.features {
            throw DataError(r.source, expected: "\(raw.train.features) features (as the training split has)", found: "\(r.features)")
        }
        let maxLabel = all.flatMap(\.y).filter { $0.isFinite }.max() ?? 0
        // A label past Int32 is no class index (and Int(1e300) would trap): refused before any conversion.
        if classes == nil, maxLabel >= Double(Int32.max) {
            throw DataError(raw.train.labelSource, expected: "class labels below \(Int32.max)", found: "label \(maxLabel)")
        }
        let k = classes ?? max(Int(maxLabel) + 1, 1)
        var labels: [[Int32]] = []
        for r in all { labels.append(try checkLabels(r, classes: k, fromModel: classes != nil)) }
        var records: [String: SplitRecord] = [:]
        let whole = try LabeledImages(rows: raw.train.x, labels: labels[0], classes: k, source: raw.train.source)
        var val = try raw.val.map { try LabeledImages(rows: $0.x, labels: labels[1], classes: k, source: $0.source) }
        var test = try raw.test.map { try LabeledImages(rows: $0.x, labels: labels[raw.val == nil ? 1 : 2], classes: k, source: $0.source) }
        var train = whole
        let n = whole.count
        let nTest = test == nil ? max(1, Int((Double(n) * spec.test_fraction).rounded())) : 0
        let nVal = val == nil ? max(1, Int((Double(n) * spec.val_fraction).rounded())) : 0
        if nTest + nVal > 0 {
            guard n - nTest - nVal >= 1 else {
                throw DataError(raw.train.source, expected: "enough examples to cut \(nVal) for val and \(nTest) for test and keep one for train",
                                found: "\(n) examples")
            }
            var order = (0..<n).map { $0 }
            var rng = RNG(seed: splitSeed)
            rng.shuffle(&order)
            let cut = { (r: Range<Int>) in try whole.gather(Array(order[r]), source: raw.train.source) }
            let trainEnd = n - nTest - nVal
            train = try cut(0..<trainEnd)
            let what = "of a seeded permutation (seed \(splitSeed)) of \(raw.train.source)"
            if val == nil { val = try cut(trainEnd..<(trainEnd + nVal)); records["val"] = try SplitRecord(examples: val!, origin: "rows \(trainEnd)..<\(trainEnd + nVal) \(what)") }
            if test == nil { test = try cut((n - nTest)..<n); records["test"] = try SplitRecord(examples: test!, origin: "rows \(n - nTest)..<\(n) \(what)") }
            records["train"] = try SplitRecord(examples: train, origin: "rows 0..<\(trainEnd) \(what)")
        } else {
            records["train"] = try SplitRecord(examples: train, origin: raw.train.source)
        }
        if records["val"] == nil { records["val"] = try SplitRecord(examples: val!, origin: raw.val!.source) }
        if records["test"] == nil { records["test"] = try SplitRecord(examples: test!, origin: raw.test!.source) }
        return (train, val!, test!, records)
    }

    static func checkLabels(_ r: RawExamples, classes: Int, fromModel: Bool) throws -> [Int32] {
        var out = [Int32](repeating: 0, count: r.rows)
        for (i, v) in r.y.enumerated() {
            guard v.isFinite, v == v.rounded() else {
                throw DataError(r.labelSource, expected: "whole-number class labels", found: "label \(v) at row \(i) (not an integer)")
            }
            guard v >= 0, v < Double(classes) else {
                let why = fromModel ? "the model's \(classes) classes" : "labels from 0"
                throw DataError(r.labelSource, expected: "labels in 0..<\(classes) (\(why))", found: "label \(v.magnitude < 1e15 ? String(Int64(v)) : String(v)) at row \(i)")
            }
            out[i] = Int32(v)
        }
        return out
    }
}

extension LabeledImages {
    /// The examples at `indices`, in that order (copied in memory; an index into the same file when mapped).
    func gather(_ indices: [Int], source: String) throws -> LabeledImages {
        try LabeledImages(rows: rows.gather(indices), labels: indices.map { labels[$0] }, classes: classes, source: source)
    }
}
