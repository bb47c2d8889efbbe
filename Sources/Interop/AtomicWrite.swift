// AtomicWrite: whole-file writes through a temp file in the target's folder, fsynced, then renamed into place.
import CondenseCore
import Foundation

enum AtomicWrite {
    /// Writes `data` to `path`; on failure the temp file is removed and whatever was at `path` is unchanged.
    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw FormatError(file: path, "cannot write: the folder \(dir) does not exist")
        }
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw FormatError(file: path, "cannot create a temp file in \(dir): \(String(cString: strerror(errno)))") }
        var ok = data.withUnsafeBytes { buf -> Bool in
            var done = 0
            while done < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + done, buf.count - done)
                if n <= 0 { return false }
                done += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw FormatError(file: path, "write failed: \(reason)")
        }
    }
}
