// Gzip+File: reads a file's bytes, inflating it when it is gzip-compressed and passing it through when it is not.
import Foundation

extension Gzip {
    /// The file's contents, decompressed if the file starts with the gzip magic.
    public static func readFile(_ path: String, limit: Int = defaultLimit) throws -> [UInt8] {
        let bytes = try readRaw(path, limit: limit)
        return isGzip(bytes) ? try inflate(bytes, source: path, limit: limit) : bytes
    }

    /// The file's bytes as stored; a file over `limit` bytes is an error before it is read.
    public static func readRaw(_ path: String, limit: Int = defaultLimit) throws -> [UInt8] {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > limit {
            throw DataError(path, expected: "a file of at most \(limit) bytes", found: "\(size) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw DataError(path, expected: "a readable file", found: exists ? "a file that cannot be read" : "no such file")
        }
        return [UInt8](data)
    }
}
