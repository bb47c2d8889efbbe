// FileDigest: the SHA-256 (swift-crypto) that keys a stage's inputs, so a re-run can tell whether anything changed.
import CondenseCore
import Crypto
import Foundation

enum FileDigest {
    /// The hex SHA-256 of bytes.
    static func hex(_ data: Data) -> String { Crypto.SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    /// The hex SHA-256 of a file, read in 1 MiB chunks.
    static func file(_ path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { throw FormatError(file: path, "cannot read the file to digest it") }
        defer { try? h.close() }
        var s = Crypto.SHA256()
        while true {
            let chunk = h.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            s.update(data: chunk)
        }
        return s.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
