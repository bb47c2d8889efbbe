// FileSHA256: the SHA-256 (hex) of a file's bytes, read in 1 MiB pieces.
import Crypto
import Foundation

/// The SHA-256 of the file at `path`, as 64 lowercase hex digits.
public func fileSHA256(_ path: String) throws -> String {
    guard let h = FileHandle(forReadingAtPath: path) else { throw FormatError(file: path, "cannot be read") }
    defer { try? h.close() }
    var sha = SHA256()
    while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty { sha.update(data: chunk) }
    return sha.finalize().map { String(format: "%02x", $0) }.joined()
}
