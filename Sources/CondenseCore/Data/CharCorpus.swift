// CharCorpus: the Shakespeare train/val/test splits as token ids, with the vocabulary recorded in SPLITS.json.
import Foundation

public struct CharCorpus {
    public let directory: String
    public let vocabulary: Vocabulary
    public let train: TokenSequence
    public let val: TokenSequence
    public let test: TokenSequence
    /// A user's text: where it came from; nil for the Shakespeare splits.
    public var provenance: DataProvenance?

    /// A corpus from token ids already encoded with `vocabulary` (a user's text).
    public init(vocabulary: Vocabulary, train: [Int32], val: [Int32], test: [Int32], provenance: DataProvenance) {
        self.init(vocabulary: vocabulary, train: TokenSequence(train), val: TokenSequence(val), test: TokenSequence(test), provenance: provenance)
    }

    /// A corpus over token sequences that may be memory-mapped (nanoGPT's .bin files).
    public init(vocabulary: Vocabulary, train: TokenSequence, val: TokenSequence, test: TokenSequence, provenance: DataProvenance) {
        directory = provenance.source
        self.vocabulary = vocabulary
        self.train = train; self.val = val; self.test = test
        self.provenance = provenance
    }

    public func tokens(_ split: DataSplit) -> TokenSequence {
        switch split {
        case .train: return train
        case .val: return val
        case .test: return test
        }
    }

    /// Loads `{train,val,test}.txt` and `SPLITS.json` from `directory` (default: see `defaultDirectory`).
    public init(directory: String? = nil) throws {
        let dir = directory ?? CharCorpus.defaultDirectory()
        self.directory = dir
        let meta = try CharCorpus.readSplits(dir)
        vocabulary = try Vocabulary(characters: meta.vocabulary, source: CharCorpus.file(dir, "SPLITS.json") + " (vocabulary)")
        var loaded: [DataSplit: [Int32]] = [:]
        for split in DataSplit.allCases {
            let path = CharCorpus.file(dir, "\(split.rawValue).txt")
            let ids = try vocabulary.encode(CharCorpus.readText(path), source: path)
            if let expected = meta.splits[split.rawValue]?.characters, expected != ids.count {
                throw DataError(path, expected: "\(expected) characters (as SPLITS.json records)", found: "\(ids.count)",
                                hint: "the splits are stale or edited; rerun tools/make_shakespeare_splits.py via tools/bootstrap")
            }
            loaded[split] = ids
        }
        train = TokenSequence(loaded[.train]!)
        val = TokenSequence(loaded[.val]!)
        test = TokenSequence(loaded[.test]!)
    }

    private struct Splits: Decodable {
        struct Split: Decodable { let characters: Int }
        let vocabulary: String
        let splits: [String: Split]
    }

    private static let bootstrapHint = "run tools/bootstrap to download the corpus and write the splits"

    private static func readSplits(_ dir: String) throws -> Splits {
        let path = file(dir, "SPLITS.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(path, expected: "the Shakespeare split metadata", found: "no such file", hint: bootstrapHint)
        }
        do {
            return try JSONDecoder().decode(Splits.self, from: data)
        } catch {
            throw DataError(path, expected: "JSON with a \"vocabulary\" string and \"splits\" sizes",
                            found: "\(error)", hint: bootstrapHint)
        }
    }

    private static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(path, expected: "a Shakespeare split file", found: "no such file", hint: bootstrapHint)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(path, expected: "UTF-8 text", found: "bytes that are not valid UTF-8", hint: bootstrapHint)
        }
        return text
    }

    static func file(_ dir: String, _ name: String) -> String {
        (dir as NSString).appendingPathComponent(name)
    }
}
