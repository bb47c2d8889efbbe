// Launch+Digests: the check at the start of a job that every rank runs the same binary on the same inputs.
import CMPI
import CondenseCore
import Crypto
import Foundation

extension Launch {
    /// SHA-256 (hex) of a file's bytes, or of nothing when it cannot be read (the rank then disagrees by digest).
    public static func fileDigest(_ path: String) -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { return "unreadable" }
        defer { try? h.close() }
        var sha = SHA256()
        while let chunk = try? h.read(upToCount: 1 << 20), !chunk.isEmpty { sha.update(data: chunk) }
        return sha.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 (hex) of this process's executable.
    public static var binaryDigest: String { fileDigest("/proc/self/exe") }

    /// SHA-256 (hex) of the command line (arguments after the executable), NUL-separated.
    public static var argumentsDigest: String {
        SHA256.hash(data: Data(CommandLine.arguments.dropFirst().joined(separator: "\u{0}").utf8))
            .map { String(format: "%02x", $0) }.joined()
    }

    /// Every rank's digests against rank 0's: a difference is the same error on every rank, naming the first rank
    /// and item that differ, and both digests.
    static func exchange(_ digests: [(name: String, digest: String)], on r: MPIReducer) throws {
        let width = 64
        var mine = [UInt8](repeating: 0, count: width * digests.count)
        for (i, d) in digests.enumerated() {
            let b = Array(d.digest.utf8.prefix(width))
            mine.replaceSubrange((i * width)..<(i * width + b.count), with: b)
        }
        var all = [UInt8](repeating: 0, count: mine.count * r.size)
        try MPIReducer.check(cmpi_allgather_bytes(mine, &all, Int32(mine.count)), "MPI_Allgather")
        func digest(_ rank: Int, _ i: Int) -> String {
            let start = rank * mine.count + i * width
            return String(decoding: all[start..<(start + width)].prefix { $0 != 0 }, as: UTF8.self)
        }
        for rank in 1..<max(r.size, 1) {
            for (i, d) in digests.enumerated() where digest(rank, i) != digest(0, i) {
                throw AgreedError(message: "rank \(rank) of \(r.size) runs with a different \(d.name) than rank 0 (SHA-256 \(digest(rank, i).prefix(16))…, rank 0: \(digest(0, i).prefix(16))…): every rank must run the same binary on the same command line and files")
            }
        }
    }
}
