// DataGzipTests: inflating good, multi-member, corrupt and truncated gzip, and passing plain files through.
import Foundation
import Testing
@testable import CondenseCore

@Suite struct DataGzipTests {
    let sample: [UInt8] = (0..<100_000).map { UInt8(($0 * 7 + $0 / 13) % 251) }

    @Test func roundTripsZlibGzip() throws {
        #expect(try Gzip.inflate(DataFixtures.gzip(sample), source: "mem") == sample)
        #expect(try Gzip.inflate(DataFixtures.gzip([]), source: "mem") == [])
    }

    @Test func readsGzipMadeByTheGzipTool() throws {
        let dir = try DataFixtures.tempDirectory("gztool")
        defer { DataFixtures.remove(dir) }
        let path = "\(dir)/sample"
        try DataFixtures.write(sample, to: path)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-9", path]
        try gzip.run()
        gzip.waitUntilExit()
        try #require(gzip.terminationStatus == 0)
        #expect(try Gzip.readFile(path + ".gz") == sample)
    }

    @Test func concatenatedMembersInflateToTheConcatenation() throws {
        let a = Array(sample.prefix(1000)), b = Array(sample.suffix(500))
        #expect(try Gzip.inflate(DataFixtures.gzip(a) + DataFixtures.gzip(b), source: "mem") == a + b)
    }

    @Test func plainFilesPassThrough() throws {
        let dir = try DataFixtures.tempDirectory("plain")
        defer { DataFixtures.remove(dir) }
        try DataFixtures.write(sample, to: "\(dir)/plain")
        #expect(try Gzip.readFile("\(dir)/plain") == sample)
    }

    @Test func corruptDeflateDataIsAnError() throws {
        var gz = DataFixtures.gzip(sample)
        for i in 20..<60 { gz[i] ^= 0xA5 }
        let message = DataFixtures.dataError { _ = try Gzip.inflate(gz, source: "bad.gz") }
        #expect(message?.contains("bad.gz") == true)
        #expect(message?.contains("corrupt gzip") == true)
    }

    @Test func badChecksumIsAnError() throws {
        var gz = DataFixtures.gzip(sample)
        gz[gz.count - 8] ^= 0xFF  // first CRC-32 byte of the trailer
        let message = DataFixtures.dataError { _ = try Gzip.inflate(gz, source: "crc.gz") }
        #expect(message?.contains("crc.gz: expected a valid gzip stream") == true)
    }

    @Test func truncatedGzipIsAnError() throws {
        let gz = DataFixtures.gzip(sample)
        for cut in [11, gz.count / 2, gz.count - 3] {
            let message = DataFixtures.dataError { _ = try Gzip.inflate(Array(gz.prefix(cut)), source: "cut.gz") }
            #expect(message?.contains("cut.gz") == true)
            #expect(message?.contains("truncated gzip") == true, "cut at \(cut): \(message ?? "no error")")
        }
    }

    @Test func trailingGarbageIsAnError() throws {
        let gz = DataFixtures.gzip(sample) + [1, 2, 3]
        let message = DataFixtures.dataError { _ = try Gzip.inflate(gz, source: "tail.gz") }
        #expect(message?.contains("3 trailing bytes") == true)
    }

    @Test func missingFileIsAnError() {
        let message = DataFixtures.dataError { _ = try Gzip.readFile("/nonexistent/condense/x.gz") }
        #expect(message == "/nonexistent/condense/x.gz: expected a readable file, found no such file")
    }
}
