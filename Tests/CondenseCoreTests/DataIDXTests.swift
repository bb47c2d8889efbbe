// DataIDXTests: IDX headers and payloads, the good case and each way a file can be wrong.
import Testing
@testable import CondenseCore

@Suite struct DataIDXTests {
    @Test func parsesImagesAndLabels() throws {
        let images = try IDXArray.parse(DataFixtures.idx(dims: [2, 3, 4], payload: Array(0..<24)), rank: 3, source: "i")
        #expect(images.dims == [2, 3, 4])
        #expect(Array(images.payload) == Array(0..<24))
        let labels = try IDXArray.parse(DataFixtures.idx(dims: [3], payload: [7, 8, 9]), rank: 1, source: "l")
        #expect(labels.dims == [3])
        #expect(Array(labels.payload) == [7, 8, 9])
    }

    @Test func readsGzipAndPlainFiles() throws {
        let dir = try DataFixtures.tempDirectory("idx")
        defer { DataFixtures.remove(dir) }
        let bytes = DataFixtures.idx(dims: [5], payload: [1, 2, 3, 4, 5])
        try DataFixtures.write(DataFixtures.gzip(bytes), to: "\(dir)/a.gz")
        try DataFixtures.write(bytes, to: "\(dir)/a")
        #expect(Array(try IDXArray.read("\(dir)/a.gz", rank: 1).payload) == [1, 2, 3, 4, 5])
        #expect(Array(try IDXArray.read("\(dir)/a", rank: 1).payload) == [1, 2, 3, 4, 5])
    }

    @Test func wrongMagicIsAnError() {
        let labelsAsImages = DataFixtures.dataError {
            _ = try IDXArray.parse(DataFixtures.idx(dims: [3], payload: [1, 2, 3]), rank: 3, source: "f.idx")
        }
        #expect(labelsAsImages == "f.idx: expected IDX magic 0x00000803 (uint8, 3 dims), found magic 0x00000801 (uint8, 1 dims)")
        let floats = DataFixtures.dataError {
            _ = try IDXArray.parse(DataFixtures.idx(dims: [1], payload: [0, 0, 0, 0], type: 0x0D), rank: 1, source: "f.idx")
        }
        #expect(floats?.contains("found magic 0x00000d01 (float32, 1 dims)") == true)
        let text = DataFixtures.dataError { _ = try IDXArray.parse(Array("hello world".utf8), rank: 1, source: "f.idx") }
        #expect(text?.contains("not an IDX file") == true)
    }

    @Test func truncatedHeaderIsAnError() {
        let bytes = Array(DataFixtures.idx(dims: [2, 28, 28], payload: []).prefix(10))
        let message = DataFixtures.dataError { _ = try IDXArray.parse(bytes, rank: 3, source: "h.idx") }
        #expect(message == "h.idx: expected a 16-byte IDX header (magic and 3 big-endian dims), found 10 bytes")
    }

    @Test func truncatedPayloadIsAnError() {
        let bytes = DataFixtures.idx(dims: [2, 28, 28], payload: [UInt8](repeating: 1, count: 1000))
        let message = DataFixtures.dataError { _ = try IDXArray.parse(bytes, rank: 3, source: "t.idx") }
        #expect(message == "t.idx: expected 1568 payload bytes for dims [2, 28, 28], found only 1000 (truncated IDX payload)")
    }

    @Test func countDisagreeingWithPayloadIsAnError() {
        let bytes = DataFixtures.idx(dims: [4], payload: [1, 2, 3, 4, 5, 6])
        let message = DataFixtures.dataError { _ = try IDXArray.parse(bytes, rank: 1, source: "c.idx") }
        #expect(message == "c.idx: expected 4 payload bytes for dims [4], found 6 (declared count disagrees with payload size)")
    }

    @Test func truncatedGzippedIDXNamesTheFile() throws {
        let dir = try DataFixtures.tempDirectory("idxgz")
        defer { DataFixtures.remove(dir) }
        let gz = DataFixtures.gzip(DataFixtures.idx(dims: [1000], payload: (0..<1000).map { UInt8($0 % 256) }))
        try DataFixtures.write(Array(gz.prefix(gz.count - 10)), to: "\(dir)/cut.gz")
        let message = DataFixtures.dataError { _ = try IDXArray.read("\(dir)/cut.gz", rank: 1) }
        #expect(message?.hasPrefix("\(dir)/cut.gz: ") == true)
        #expect(message?.contains("truncated gzip") == true)
    }
}
