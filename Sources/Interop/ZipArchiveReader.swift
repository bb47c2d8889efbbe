// ZipArchiveReader: reads named entries of a zip archive held in memory, refusing traversal paths and zip bombs.
import CondenseCore
import Foundation
import ZIPFoundation

/// A zip archive opened from bytes; nothing is ever extracted to disk.
struct ZipArchiveReader {
    let file: String
    private let archive: Archive
    /// Every entry's path, in archive order.
    let paths: [String]

    /// Opens `bytes` as a zip archive and checks every entry's path: absolute paths, `..` components, backslashes,
    /// NUL bytes and symbolic links are refused even though no entry is written anywhere.
    init(bytes: Data, file: String) throws {
        self.file = file
        do {
            archive = try Archive(data: bytes, accessMode: .read)
        } catch {
            throw FormatError(file: file, "starts like a zip archive but cannot be read as one (\(error)): it is truncated or corrupt")
        }
        var paths: [String] = []
        for entry in archive {
            let p = entry.path
            let parts = p.split(separator: "/", omittingEmptySubsequences: false)
            if p.hasPrefix("/") || p.contains("\\") || p.contains("\0") || parts.contains("..") {
                throw FormatError(file: file, path: p, "refused: a path-traversal entry (absolute, or with '..' or '\\'); a Keras archive holds plain names such as config.json")
            }
            if entry.type == .symlink {
                throw FormatError(file: file, path: p, "refused: a symbolic-link entry; a Keras archive holds regular files only")
            }
            paths.append(p)
        }
        self.paths = paths
    }

    /// The bytes of entry `path`, or nil when the archive has no such entry. `limit` caps the declared size, the
    /// bytes actually inflated (a zip bomb may lie about its size) and the compression ratio.
    func read(_ path: String, limit: Int) throws -> [UInt8]? {
        guard let entry = archive[path] else { return nil }
        let declared = entry.uncompressedSize, packed = max(entry.compressedSize, 1)
        if declared > UInt64(limit) {
            throw FormatError(file: file, path: path, "refused: the entry declares \(declared) bytes, more than the \(limit)-byte limit for it (zip bomb guard)")
        }
        if declared > 1 << 20, declared / packed > 1000 {
            throw FormatError(file: file, path: path, "refused: the entry inflates \(declared / packed)-fold (\(packed) → \(declared) bytes), more than 1000-fold (zip bomb guard)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(Int(declared))
        let bound = Int(declared)
        let crc: CRC32
        do {
            crc = try archive.extract(entry, consumer: { chunk in
                guard out.count + chunk.count <= bound else { throw Overrun() }
                out.append(contentsOf: chunk)
            })
        } catch is Overrun {
            throw FormatError(file: file, path: path, "refused: the entry inflates past its declared \(declared) bytes (zip bomb guard)")
        } catch {
            throw FormatError(file: file, path: path, "cannot be inflated (\(error)): the archive is corrupt")
        }
        guard out.count == bound else {
            throw FormatError(file: file, path: path, "expected \(declared) bytes (its declared size), found \(out.count): the archive is truncated or corrupt")
        }
        guard crc == entry.checksum else {
            throw FormatError(file: file, path: path, "CRC-32 mismatch (stored \(entry.checksum), computed \(crc)): the entry is corrupt")
        }
        return out
    }

    private struct Overrun: Error {}
}
