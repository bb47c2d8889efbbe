// TaskData+Files: a TaskData from a DataSpec: a demo set by name, or a user's file or folder in any supported format,
// read to fit the model it is for, with the provenance of every split.
import Foundation

/// What the data must fit: the model's vocabulary, classes and features; every field nil derives it from the data
/// (training a new model).
public struct DataFit: Sendable {
    public var family: String?
    public var vocabulary: Vocabulary?
    public var vocabSize: Int?
    public var classes: Int?
    public var features: Int?
    /// The model file, named in errors.
    public var model: String

    public init(family: String? = nil, model: String = "") { self.family = family; self.model = model }

    /// What a model of `architecture` (with its vocabulary attribute, if any) needs.
    public init(_ architecture: Architecture, vocabulary: [String]?, model: String) throws {
        self.model = model
        family = architecture.family
        switch architecture {
        case .mlp(let c): classes = c.classes; features = c.inputs
        case .gpt(let c):
            vocabSize = c.vocab_size
            if let v = vocabulary {
                self.vocabulary = try Vocabulary(scalars: v.flatMap { $0.unicodeScalars }, source: "\(model): vocabulary")
            }
        }
    }
}

extension TaskData {
    /// Loads `spec`: a demo set by name, or `spec.path` in its detected (or forced) format, fitted to `fit`. Labelled
    /// arrays get `backing` (nil: `spec.backing(family:)`, by the memory estimate or CONDENSE_DATA_BACKING).
    public static func load(_ spec: DataSpec, fit: DataFit, backing: DataBacking? = nil) throws -> TaskData {
        try spec.validate()
        if spec.path.isEmpty {
            let name = spec.name.isEmpty ? (fit.family == "gpt" ? "shakespeare" : "fashion-mnist") : spec.name
            return try load(name, directory: spec.directory)
        }
        let forced = spec.format.isEmpty ? nil : DataFormat(rawValue: spec.format)
        let format = try forced ?? DataFormat.detect(spec.path, family: fit.family)
        let detected = forced == nil
        switch format {
        case .text: return try loadText(spec, fit: fit, detected: detected)
        case .nanogpt: return try loadNanoGPT(spec, fit: fit, detected: detected)
        case .hdf5, .npy, .csv, .idx:
            let raw: RawSplits
            let backing = try backing ?? spec.backing(family: fit.family)
            switch format {
            case .hdf5: raw = try ArrayReaders.hdf5(spec.path, backing: backing)
            case .npy:
                if isDirectory(spec.path) { raw = try ArrayReaders.npyFolder(spec.path, backing: backing) }
                else if let dir = npyFolder(ofFile: spec.path) { raw = try ArrayReaders.npyFolder(dir, backing: backing) }
                else { raw = try ArrayReaders.npz(spec.path, backing: backing) }
            case .csv: raw = backing == .mapped ? try ArrayReaders.csvCached(spec.path, label: spec.label) : try CSVTable.read(spec.path, label: spec.label)
            default: raw = try ArrayReaders.idx(spec.path, backing: backing)
            }
            if let f = fit.features, f != raw.train.features {
                throw DataError(raw.train.source, expected: "\(f) features (the inputs of \(fit.model))", found: "\(raw.train.features)")
            }
            let s = try LabeledSplits.make(raw, classes: fit.classes, spec: spec)
            let p = DataProvenance(source: spec.path, format: format.rawValue, detected: detected, splits: s.records)
            return .classification(train: s.train, val: s.val, source: .loaded(test: s.test, provenance: p))
        }
    }

    /// The folder of `path` when it names x.npy and y.npy is beside it (a single .npy given for its folder).
    static func npyFolder(ofFile path: String) -> String? {
        guard (path as NSString).lastPathComponent == "x.npy" else { return nil }
        let dir = (path as NSString).deletingLastPathComponent
        return FileManager.default.fileExists(atPath: (dir.isEmpty ? "." : dir) + "/y.npy") ? (dir.isEmpty ? "." : dir) : nil
    }

    static func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }

    static func loadText(_ spec: DataSpec, fit: DataFit, detected: Bool) throws -> TaskData {
        let layout = try TextFiles.layout(spec.path)
        let parts: [TextFiles.Part]
        switch layout {
        case .given(let a, let b, let c): parts = [a, b] + (c.map { [$0] } ?? [])
        case .whole(let p): parts = p
        }
        let vocab: Vocabulary
        if let v = fit.vocabulary { vocab = v } else if fit.vocabSize != nil {
            throw DataError(fit.model, expected: "a vocabulary attribute (the symbol of each token id) to encode the text \(spec.path)",
                            found: "none", hint: "write the vocabulary into the model file (docs/FORMAT.md), or give token ids as nanoGPT's train.bin/val.bin")
        } else { vocab = try TextFiles.vocabulary(of: parts) }
        if let n = fit.vocabSize, n != vocab.count {
            throw DataError(fit.model, expected: "vocab_size equal to its vocabulary's \(vocab.count) symbols", found: "\(n)")
        }
        let policy = UnknownCharacters(rawValue: spec.unknown) ?? .error
        var notes: [String] = []
        func encode(_ p: TextFiles.Part) throws -> [Int32] {
            let (ids, skipped, first) = try TextFiles.encode(p, vocab, unknown: policy)
            if skipped > 0 { notes.append("\(p.source): skipped \(skipped) characters outside the vocabulary (the first \(first!))") }
            return ids
        }
        var records: [String: SplitRecord] = [:]
        var splits: [[Int32]]
        switch layout {
        case .given(let a, let b, let c):
            splits = [try encode(a), try encode(b)]
            records["train"] = SplitRecord(tokens: splits[0], origin: a.source)
            records["val"] = SplitRecord(tokens: splits[1], origin: b.source)
            if let c {
                splits.append(try encode(c))
                records["test"] = SplitRecord(tokens: splits[2], origin: c.source)
            } else {
                splits.append(splits[1])
                records["test"] = SplitRecord(tokens: splits[1], origin: b.source)
                notes.append("no test.txt: the test split is val.txt")
            }
        case .whole(let p):
            let all = try p.flatMap { try encode($0) }
            let n = all.count, nTest = Int((Double(n) * spec.test_fraction).rounded()), nVal = Int((Double(n) * spec.val_fraction).rounded())
            let end = n - nTest - nVal
            let whole = p.count == 1 ? p[0].source : "\(p.count) .txt files of \(spec.path) in name order"
            guard end >= 1 else { throw DataError(spec.path, expected: "text long enough to cut into train, val and test", found: "\(n) tokens") }
            splits = [Array(all[0..<end]), Array(all[end..<(end + nVal)]), Array(all[(end + nVal)...])]
            for (name, r) in [("train", 0..<end), ("val", end..<(end + nVal)), ("test", (end + nVal)..<n)] {
                records[name] = SplitRecord(tokens: Array(all[r]), origin: "tokens \(r.lowerBound)..<\(r.upperBound) of \(whole)")
            }
        }
        let p = DataProvenance(source: spec.path, format: "text", detected: detected, splits: records, notes: notes)
        return .text(CharCorpus(vocabulary: vocab, train: splits[0], val: splits[1], test: splits[2], provenance: p))
    }

    static func loadNanoGPT(_ spec: DataSpec, fit: DataFit, detected: Bool) throws -> TaskData {
        let dir = isDirectory(spec.path) ? spec.path : (spec.path as NSString).deletingLastPathComponent
        let meta = try NanoGPTBin.meta(dir)
        let metaVocab = try meta?.vocabulary.map { v in
            try Vocabulary(scalars: v.flatMap { $0.unicodeScalars }, source: (dir as NSString).appendingPathComponent("meta.json"))
        }
        if let m = meta, let n = fit.vocabSize, m.vocab_size != n {
            throw DataError((dir as NSString).appendingPathComponent("meta.json"), expected: "vocab_size \(n) (as \(fit.model) has)", found: "\(m.vocab_size)")
        }
        if let a = metaVocab, let b = fit.vocabulary, a != b {
            throw DataError((dir as NSString).appendingPathComponent("meta.json"), expected: "the vocabulary of \(fit.model)", found: "a different one")
        }
        guard let vocab = fit.vocabulary ?? metaVocab else {
            let pkl = FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("meta.pkl"))
            throw DataError(dir, expected: "a vocabulary: meta.json beside train.bin, or one in the model file",
                            found: pkl ? "meta.pkl only" : "none", hint: NanoGPTBin.hint)
        }
        let v = fit.vocabSize ?? vocab.count
        guard let train = try NanoGPTBin.tokens(dir, "train", vocabSize: v), let val = try NanoGPTBin.tokens(dir, "val", vocabSize: v) else {
            throw DataError(dir, expected: "train.bin and val.bin (nanoGPT's prepared data)", found: "not both")
        }
        let file = { (n: String) in (dir as NSString).appendingPathComponent(n) }
        var notes: [String] = []
        let test = try NanoGPTBin.tokens(dir, "test", vocabSize: v)
        if test == nil { notes.append("no test.bin: the test split is val.bin (nanoGPT prepares train and val only)") }
        let records = ["train": try SplitRecord(tokens: train, origin: file("train.bin")), "val": try SplitRecord(tokens: val, origin: file("val.bin")),
                       "test": try SplitRecord(tokens: test ?? val, origin: file(test == nil ? "val.bin" : "test.bin"))]
        let p = DataProvenance(source: spec.path, format: "nanogpt", detected: detected, splits: records, notes: notes)
        return .text(CharCorpus(vocabulary: vocab, train: train, val: val, test: test ?? val, provenance: p))
    }

    /// The provenance of every split: stored for a user's data, computed for the demo sets.
    public func provenance() throws -> DataProvenance {
        switch self {
        case .classification(_, _, .loaded(_, let p)): return p
        case .text(let c) where c.provenance != nil: return c.provenance!
        case .text(let c):
            let f = { (s: String) in (c.directory as NSString).appendingPathComponent(s + ".txt") }
            return DataProvenance(source: "shakespeare", format: "shakespeare", detected: false, splits: [
                "train": try SplitRecord(tokens: c.train, origin: f("train")), "val": try SplitRecord(tokens: c.val, origin: f("val")),
                "test": try SplitRecord(tokens: c.test, origin: f("test"))])
        case .classification(let train, let val, .fashion(let dir)):
            let d = FashionMNIST.directory(dir)
            let test = try FashionMNIST.load(.test, directory: dir)
            return DataProvenance(source: "fashion-mnist", format: "fashion-mnist", detected: false, splits: [
                "train": try SplitRecord(examples: train, origin: "\(d)/train-*: the first \(train.count)"),
                "val": try SplitRecord(examples: val, origin: "\(d)/train-*: the last \(val.count)"),
                "test": try SplitRecord(examples: test, origin: "\(d)/t10k-*")])
        }
    }
}
