// AtomicWrite: whole-file writes of bytes through the project's writeAtomically (temp file, fsync, rename, manifest).
import CondenseCore
import Foundation

enum AtomicWrite {
    /// Writes `data` to `path`; on failure the temp file is removed and whatever was at `path` is unchanged.
    static func write(_ data: Data, to path: String) throws {
        try writeAtomically(to: path) { tmp in
            let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            guard fd >= 0 else { throw FormatError(file: path, "cannot create a temp file beside it: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            let ok = data.withUnsafeBytes { buf -> Bool in
                var done = 0
                while done < buf.count {
                    let n = Foundation.write(fd, buf.baseAddress! + done, buf.count - done)
                    if n <= 0 { return false }
                    done += n
                }
                return true
            }
            guard ok else { throw FormatError(file: path, "write failed: \(String(cString: strerror(errno))) (is the disk full?)") }
        }
    }
}
