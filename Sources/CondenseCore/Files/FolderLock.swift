// FolderLock: one writer per folder, by an advisory flock held for the life of the process.
import Foundation

/// `acquire(dir)` takes an exclusive flock on `dir/.condense.lock` and writes this process's pid into it. The lock
/// lasts until the process exits (the kernel releases it even after kill -9). A folder locked by another process
/// is an error naming that process's pid. Acquiring a folder this process already holds does nothing.
public enum FolderLock {
    private static var held: [String: Int32] = [:]
    private static let mutex = NSLock()

    public static func acquire(_ dir: String) throws {
        let key = URL(fileURLWithPath: dir).standardizedFileURL.path
        mutex.lock(); defer { mutex.unlock() }
        if held[key] != nil { return }
        let path = dir + "/" + OwnedFolder.lockName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FormatError(file: dir, "cannot create the lock file \(OwnedFolder.lockName) (\(String(cString: strerror(errno))))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = readPid(fd)
            close(fd)
            throw FormatError(file: dir, "in use by another condense process (pid \(holder.map(String.init) ?? "unknown")); wait for it to finish or stop it")
        }
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        held[key] = fd
    }

    /// Drops this process's lock on `dir` (after the folder itself was removed).
    public static func release(_ dir: String) {
        let key = URL(fileURLWithPath: dir).standardizedFileURL.path
        mutex.lock(); defer { mutex.unlock() }
        if let fd = held.removeValue(forKey: key) { close(fd) }
    }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buf = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buf, 31, 0)
        guard n > 0 else { return nil }
        return Int32(String(decoding: buf.prefix(n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
