// DataUserTextTests: a user's text as a file, a folder or given splits, encoded with the model's vocabulary; nanoGPT's
// train.bin/val.bin; and the errors for unknown characters, foreign text, short splits and out-of-range ids.
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite struct DataUserTextTests {
    typealias F = UserDataFixtures
    static let text = String(repeating: "abc abd. ", count: 40)   // 360 characters
    static func fit(_ chars: String, block: Int = 8) throws -> DataFit {
        var f = DataFit(family: "gpt", model: "m.h5")
        f.vocabulary = try Vocabulary(characters: chars)
        f.vocabSize = chars.unicodeScalars.count
        return f
    }

    @Test func aFileIsCutByFractionsInOrder() throws {
        let dir = TestSupport.tempDir("text").path
        try F.write(Self.text, to: dir + "/t.txt")
        var spec = DataSpec(path: dir + "/t.txt")
        spec.val_fraction = 0.25
        spec.test_fraction = 0.05
        guard case .text(let c) = try TaskData.load(spec, fit: try Self.fit(" .abcd")) else { Issue.record("not text"); return }
        #expect(c.train.count == 252 && c.val.count == 90 && c.test.count == 18)
        let vocab = try Vocabulary(characters: " .abcd")
        #expect(try vocab.decode(c.train.array + c.val.array + c.test.array) == Self.text, "contiguous, in order, nothing lost")
        #expect(c.provenance?.splits["val"]?.origin == "tokens 252..<342 of \(dir)/t.txt")
        #expect(c.provenance?.splits["train"]?.sha256 == SplitRecord(tokens: c.train.array, origin: "").sha256)
    }

    @Test func givenSplitsAndFoldersOfFiles() throws {
        let dir = TestSupport.tempDir("text").path
        try F.write(Self.text, to: dir + "/train.txt")
        try F.write("abcd abcd", to: dir + "/val.txt")
        guard case .text(let c) = try TaskData.load(DataSpec(path: dir), fit: try Self.fit(" .abcd")) else { Issue.record("not text"); return }
        #expect(c.train.count == 360 && c.val.count == 9 && c.test == c.val)
        #expect(c.provenance?.notes == ["no test.txt: the test split is val.txt"])
        let many = TestSupport.tempDir("text").path
        try F.write("abc ", to: many + "/2.txt")
        try F.write("dd. ", to: many + "/1.txt")
        try F.write("ignored", to: many + "/notes.md")
        var spec = DataSpec(path: many)
        spec.val_fraction = 0.25; spec.test_fraction = 0.25
        guard case .text(let m) = try TaskData.load(spec, fit: try Self.fit(" .abcd")) else { Issue.record("not text"); return }
        #expect(try Vocabulary(characters: " .abcd").decode(m.train.array + m.val.array + m.test.array) == "dd. abc ", "files in name order")
    }

    @Test func unknownCharactersAreNamedOrSkipped() throws {
        let dir = TestSupport.tempDir("text").path
        try F.write("abc\nab!", to: dir + "/t.txt")
        let m = F.error { _ = try TaskData.load(DataSpec(path: dir + "/t.txt"), fit: try Self.fit(" .abcd")) }
        #expect(m == "\(dir)/t.txt: expected only characters of the 6-character vocabulary, found unknown character \"\\n\" (U+000A) at offset 3; the model's vocabulary lacks it; pass --unknown skip (data.unknown: skip) to drop such characters")
        var spec = DataSpec(path: dir + "/t.txt")
        spec.unknown = "skip"
        spec.val_fraction = 0.2; spec.test_fraction = 0.2
        guard case .text(let c) = try TaskData.load(spec, fit: try Self.fit(" .abcd")) else { Issue.record("not text"); return }
        #expect(c.train.count + c.val.count + c.test.count == 5)
        #expect(c.provenance?.notes.first?.contains("skipped 2 characters outside the vocabulary (the first \"\\n\" (U+000A) at offset 3)") == true)
        try F.write("xyz!", to: dir + "/foreign.txt")
        spec.path = dir + "/foreign.txt"
        #expect(F.error { _ = try TaskData.load(spec, fit: try Self.fit(" .abcd")) }?
            .contains("expected text in the model's 6-character vocabulary, found no character of it (4 characters, all unknown") == true)
    }

    @Test func splitsShorterThanAWindowAreErrors() throws {
        let dir = TestSupport.tempDir("text").path
        try F.write(String(repeating: "ab", count: 30), to: dir + "/t.txt")
        let d = try TaskData.load(DataSpec(path: dir + "/t.txt"), fit: try Self.fit("ab"))
        let arch = Architecture.gpt(GPTConfig(n_layer: 1, n_head: 1, head_dim: 4, n_embd: 4, ffn_hidden: 8, block_size: 8, vocab_size: 2))
        #expect(F.error { try d.check(arch, model: "m.h5") } == "\(dir)/t.txt (val split): expected at least 9 tokens (one window of block_size 8 and its target), found 6")
    }

    @Test func aModelWithoutVocabularyCannotEncodeText() throws {
        let dir = TestSupport.tempDir("text").path
        try F.write("abc", to: dir + "/t.txt")
        var fit = DataFit(family: "gpt", model: "m.h5")
        fit.vocabSize = 3
        #expect(F.error { _ = try TaskData.load(DataSpec(path: dir + "/t.txt"), fit: fit) }?
            .hasPrefix("m.h5: expected a vocabulary attribute (the symbol of each token id)") == true)
    }

    /// nanoGPT's prepare.py output, then converted meta: ids load as written, and ids past the vocabulary are an error.
    @Test func nanoGPTBinFolders() throws {
        let dir = TestSupport.tempDir("bin").path
        let ids: [UInt16] = (0..<100).map { UInt16($0 % 5) }
        try Data(ids.withUnsafeBytes { Array($0) }).write(to: URL(fileURLWithPath: dir + "/train.bin"))
        try Data(Array(ids[0..<30]).withUnsafeBytes { Array($0) }).write(to: URL(fileURLWithPath: dir + "/val.bin"))
        let meta = "{\"vocab_size\": 5, \"vocabulary\": [\" \", \".\", \"a\", \"b\", \"c\"]}"
        try F.write(meta, to: dir + "/meta.json")
        var fit = DataFit(family: "gpt", model: "m.h5")
        fit.vocabSize = 5
        guard case .text(let c) = try TaskData.load(DataSpec(path: dir), fit: fit) else { Issue.record("not text"); return }
        #expect(c.train == ids.map { Int32($0) } && c.val.count == 30 && c.test == c.val)
        #expect(c.vocabulary.count == 5 && c.provenance?.format == "nanogpt")
        fit.vocabSize = 4
        #expect(F.error { _ = try TaskData.load(DataSpec(path: dir), fit: fit) } == "\(dir)/meta.json: expected vocab_size 4 (as m.h5 has), found 5")
        try FileManager.default.removeItem(atPath: dir + "/meta.json")
        fit.vocabulary = try Vocabulary(characters: "abcd")
        #expect(F.error { _ = try TaskData.load(DataSpec(path: dir), fit: fit) } == "\(dir)/train.bin: expected token ids below 4 (the vocabulary size), found id 4 at position 4")
        try Data([1, 0, 2]).write(to: URL(fileURLWithPath: dir + "/train.bin"))
        #expect(F.error { _ = try TaskData.load(DataSpec(path: dir), fit: fit) } == "\(dir)/train.bin: expected uint16 token ids (an even number of bytes), found 3 bytes")
        fit.vocabulary = nil
        try F.write("", to: dir + "/meta.pkl")
        #expect(F.error { _ = try TaskData.load(DataSpec(path: dir), fit: fit) }?.contains("found meta.pkl only; convert nanoGPT's meta.pkl with tools/nanogpt_meta.py") == true)
    }

    @Test func formatsAreDetectedByContent() throws {
        let dir = TestSupport.tempDir("detect").path
        try F.write("hello", to: dir + "/plain")
        try F.hdf5(dir + "/data.csv", floats: ["x": ([1], [1, 1])])   // content wins over the name
        #expect(try DataFormat.detect(dir + "/plain", family: "gpt") == .text)
        #expect(try DataFormat.detect(dir + "/plain", family: "mlp") == .csv)
        #expect(try DataFormat.detect(dir + "/data.csv", family: "mlp") == .hdf5)
        try Data(UserDataFixtures.npy("<f4", shape: [1], payload: UserDataFixtures.floats([1]))).write(to: URL(fileURLWithPath: dir + "/one.npy"))
        #expect(F.error { _ = try DataFormat.detect(dir + "/one.npy", family: "mlp") }?.contains("found a single .npy array (it holds no labels)") == true)
        var spec = DataSpec(path: dir + "/plain")
        spec.format = "parquet"
        #expect(F.error { _ = try TaskData.load(spec, fit: DataFit(family: "gpt")) }?.contains("expected data.format one of text, nanogpt, hdf5, npy, csv, idx") == true)
    }

    /// Truncated UTF-8 and truncated .bin files are clear errors.
    @Test func truncatedTextAndBinAreErrors() throws {
        let dir = TestSupport.tempDir("trunc").path
        try Data(Array("abcé".utf8).dropLast()).write(to: URL(fileURLWithPath: dir + "/t.txt"))
        #expect(F.error { _ = try TaskData.load(DataSpec(path: dir + "/t.txt"), fit: try Self.fit("abcé")) } == "\(dir)/t.txt: expected UTF-8 text, found bytes that are not valid UTF-8")
    }
}
