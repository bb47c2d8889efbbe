// DataFixturesTests: helpers for the data tests — temp directories, gzip via zlib's deflate, and IDX byte builders.
import CZlibSystem
import Foundation
@testable import CondenseCore

enum DataFixtures {
    /// A fresh empty directory under the system temp directory.
    static func tempDirectory(_ tag: String) throws -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("condense-data-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func remove(_ dir: String) {
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// gzip-compresses with zlib (deflateInit2 with windowBits 15+16 writes a gzip header and trailer).
    static func gzip(_ input: [UInt8]) -> [UInt8] {
        var strm = z_stream()
        let ok = deflateInit2_(&strm, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                               ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(ok == Z_OK, "deflateInit2 failed")  // test fixture, not input handling
        defer { deflateEnd(&strm) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&strm, UInt(input.count))) + 64)
        var source = input
        let produced: Int = source.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                strm.next_in = inBuf.baseAddress
                strm.avail_in = UInt32(inBuf.count)
                strm.next_out = outBuf.baseAddress
                strm.avail_out = UInt32(outBuf.count)
                let status = deflate(&strm, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate did not finish")
                return outBuf.count - Int(strm.avail_out)
            }
        }
        return Array(out.prefix(produced))
    }

    /// IDX bytes: magic 0x0000 08 rank, big-endian dims, then the payload.
    static func idx(dims: [Int], payload: [UInt8], type: UInt8 = 0x08) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for d in dims { bytes += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
        return bytes + payload
    }

    /// Writes `<prefix>-images-idx3-ubyte.gz` and `<prefix>-labels-idx1-ubyte.gz` with n images whose pixel values
    /// are (i + j) % 256 for image i and pixel j, and labels i % 10 (or the given labels).
    static func writeFashion(_ dir: String, prefix: String, images n: Int, labels: [UInt8]? = nil) throws {
        var pixels = [UInt8](repeating: 0, count: n * 784)
        for i in 0..<n { for j in 0..<784 { pixels[i * 784 + j] = UInt8((i + j) % 256) } }
        let labelBytes = labels ?? (0..<n).map { UInt8($0 % 10) }
        try write(gzip(idx(dims: [n, 28, 28], payload: pixels)), to: "\(dir)/\(prefix)-images-idx3-ubyte.gz")
        try write(gzip(idx(dims: [labelBytes.count], payload: labelBytes)), to: "\(dir)/\(prefix)-labels-idx1-ubyte.gz")
    }

    /// The error's description, or nil when `body` does not throw a DataError.
    static func dataError(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let e as DataError {
            return e.description
        } catch {
            return nil
        }
    }
}
