// TokenSequenceTests: a memory-mapped .bin reads the same windows and digests to the same SHA-256 as its ids in an
// array, and an id past the vocabulary is found by the streaming pass at its position, past the first chunk.
import Foundation
import Testing
@testable import CondenseCore

@Suite struct TokenSequenceTests {
    func binFolder(_ ids: [UInt16]) throws -> String {
        let dir = NSTemporaryDirectory() + "token-seq-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(ids.withUnsafeBytes { Array($0) }).write(to: URL(fileURLWithPath: dir + "/train.bin"))
        return dir
    }

    @Test func mappedIdsReadAndDigestAsTheirArray() throws {
        // More ids than one streaming chunk (2^19 ids in 1 MiB), so chunk boundaries are crossed.
        let ids: [UInt16] = (0..<(700_001)).map { UInt16(($0 * 7919) % 50) }
        let dir = try binFolder(ids)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mapped = try #require(try NanoGPTBin.tokens(dir, "train", vocabSize: 50))
        let array = TokenSequence(ids.map { Int32($0) })
        #expect(mapped.isMapped && mapped.count == ids.count)
        for start in [0, 1, 524_287, 699_990] {
            #expect(mapped.slice(start, 11) == array.slice(start, 11))
        }
        #expect(mapped == array)
        let a = try SplitRecord(tokens: mapped, origin: "m"), b = SplitRecord(tokens: ids.map { Int32($0) }, origin: "m")
        #expect(a == b)
        var s1 = try TextSampler(tokens: mapped, batchSize: 3, context: 8, seed: 4)
        var s2 = try TextSampler(tokens: array, batchSize: 3, context: 8, seed: 4)
        var x1 = [Int32](repeating: 0, count: 24), y1 = x1, x2 = x1, y2 = x1
        try s1.next(x: &x1, y: &y1)
        try s2.next(x: &x2, y: &y2)
        #expect(x1 == x2 && y1 == y2)
    }

    @Test func anIdPastTheVocabularyIsFoundPastTheFirstChunk() throws {
        var ids = [UInt16](repeating: 3, count: 600_000)
        ids[550_000] = 9
        let dir = try binFolder(ids)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: DataError.self) { _ = try NanoGPTBin.tokens(dir, "train", vocabSize: 9) }
        do { _ = try NanoGPTBin.tokens(dir, "train", vocabSize: 9) } catch {
            #expect("\(error)" == "\(dir)/train.bin: expected token ids below 9 (the vocabulary size), found id 9 at position 550000")
        }
    }
}
