// Gzip+File: reads a file's bytes, inflating it when it is gzip-compressed and passing it through when it is not.
import Foundation

extension Gzip {
    /// The file's contents, decompressed if the file starts with the gzip magic.
    public static func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw DataError(path, expected: "a readable file", found: exists ? "a file that cannot be read" : "no such file")
        }
        let bytes = [UInt8](data)
        return isGzip(bytes) ? try inflate(bytes, source: path) : bytes
    }
}
