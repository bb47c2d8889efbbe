// DataCharCorpusTests: the Shakespeare corpus loader on temp directories and on the real splits.
import Foundation
import Testing
@testable import CondenseCore

@Suite struct DataCharCorpusTests {
    private func writeCorpus(_ dir: String, vocabulary: String, texts: [String: String]) throws {
        let splits = texts.mapValues { ["characters": $0.unicodeScalars.count] }
        let meta: [String: Any] = ["vocabulary": vocabulary, "splits": splits]
        try JSONSerialization.data(withJSONObject: meta).write(to: URL(fileURLWithPath: "\(dir)/SPLITS.json"))
        for (name, text) in texts { try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name).txt")) }
    }

    @Test func loadsASmallCorpus() throws {
        let dir = try DataFixtures.tempDirectory("corpus")
        defer { DataFixtures.remove(dir) }
        try writeCorpus(dir, vocabulary: "\n ab", texts: ["train": "ab ba\n", "val": "a\n", "test": "bb"])
        let corpus = try CharCorpus(directory: dir)
        #expect(corpus.vocabulary.count == 4)
        #expect(corpus.train == [2, 3, 1, 3, 2, 0])
        #expect(corpus.tokens(.val) == [2, 0])
        #expect(corpus.tokens(.test) == [3, 3])
    }

    @Test func unknownCharacterNamesTheSplitFile() throws {
        let dir = try DataFixtures.tempDirectory("corpusbad")
        defer { DataFixtures.remove(dir) }
        try writeCorpus(dir, vocabulary: "ab", texts: ["train": "ab", "val": "aXb", "test": "b"])
        let message = DataFixtures.dataError { _ = try CharCorpus(directory: dir) }
        #expect(message?.hasPrefix("\(dir)/val.txt: ") == true)
        #expect(message?.contains("unknown character \"X\" (U+0058) at offset 1") == true)
    }

    @Test func missingFilesSayToRunBootstrap() throws {
        let dir = try DataFixtures.tempDirectory("corpusnone")
        defer { DataFixtures.remove(dir) }
        let noMeta = DataFixtures.dataError { _ = try CharCorpus(directory: dir) }
        #expect(noMeta == "\(dir)/SPLITS.json: expected the Shakespeare split metadata, found no such file; run tools/bootstrap to download the corpus and write the splits")
        try writeCorpus(dir, vocabulary: "ab", texts: ["train": "ab", "val": "a"])
        let noTest = DataFixtures.dataError { _ = try CharCorpus(directory: dir) }
        #expect(noTest?.hasPrefix("\(dir)/test.txt: expected a Shakespeare split file, found no such file") == true)
        #expect(noTest?.contains("tools/bootstrap") == true)
    }

    @Test func sizeDisagreeingWithSplitsJSONIsAnError() throws {
        let dir = try DataFixtures.tempDirectory("corpusstale")
        defer { DataFixtures.remove(dir) }
        try writeCorpus(dir, vocabulary: "ab", texts: ["train": "ab", "val": "a", "test": "b"])
        try Data("abab".utf8).write(to: URL(fileURLWithPath: "\(dir)/train.txt"))
        let message = DataFixtures.dataError { _ = try CharCorpus(directory: dir) }
        #expect(message?.hasPrefix("\(dir)/train.txt: expected 2 characters (as SPLITS.json records), found 4") == true)
    }

    @Test func defaultDirectoryIsEnvironmentThenPackageRoot() throws {
        #expect(CharCorpus.defaultDirectory(environment: ["CONDENSE_DATA_DIR": "/env/corpus"]) == "/env/corpus")
        let root = try DataFixtures.tempDirectory("pkgroot")
        defer { DataFixtures.remove(root) }
        try Data().write(to: URL(fileURLWithPath: "\(root)/Package.swift"))
        try FileManager.default.createDirectory(atPath: "\(root)/Sources/Deep", withIntermediateDirectories: true)
        let found = CharCorpus.defaultDirectory(environment: [:], currentDirectory: "\(root)/Sources/Deep")
        #expect(URL(fileURLWithPath: found).resolvingSymlinksInPath().path
            == URL(fileURLWithPath: "\(root)/data/shakespeare").resolvingSymlinksInPath().path)
    }

    @Test func realCorpusMatchesSplitsJSON() throws {
        let corpus = try CharCorpus()
        #expect(corpus.vocabulary.count == 84)
        #expect(corpus.train.count == 4_551_549 && corpus.val.count == 252_859 && corpus.test.count == 252_831)
        let head = try corpus.vocabulary.decode(Array(corpus.val.prefix(200)))
        #expect(head.unicodeScalars.count == 200)
    }
}
