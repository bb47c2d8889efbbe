// FolderLock: one writer per folder or per output file, by an advisory flock held for the life of the process.
import Foundation

/// `acquire(dir)` takes an exclusive flock on `dir/.condense.lock`; `acquire(output:)` takes one on `.NAME.lock`
/// beside a single output file (a model written with -o, an exported file). Either writes this process's pid into
/// the lock file. The lock lasts until the process exits (the kernel releases it even after kill -9). A folder or
/// file locked by another process is an error naming that process's pid. Acquiring what this process already holds
/// does nothing. Lock files are left in place: removing one would let a third process lock a different inode.
public enum FolderLock {
    private static var held: [String: Int32] = [:]
    private static let mutex = NSLock()

    public static func acquire(_ dir: String) throws {
        let key = URL(fileURLWithPath: dir).standardizedFileURL.path
        try lock(dir + "/" + OwnedFolder.lockName, key: key) { holder in
            FormatError(file: dir, "in use by another condense process (pid \(holder)); wait for it to finish or stop it")
        } cannotCreate: { reason in
            FormatError(file: dir, "cannot create the lock file \(OwnedFolder.lockName) (\(reason))")
        }
    }

    /// One writer per output file: a second process writing `path` fails here, before it starts its work.
    public static func acquire(output path: String) throws {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw FormatError(file: path, "cannot write: folder \(dir) does not exist")
        }
        let lockFile = dir + "/" + lockName(output: url.lastPathComponent)
        try lock(lockFile, key: "file:" + url.path) { holder in
            FormatError(file: path, "is being written by another condense process (pid \(holder), lock \(lockFile)); wait for it to finish or stop it")
        } cannotCreate: { reason in
            FormatError(file: path, "cannot create its lock file \(lockFile) (\(reason))")
        }
    }

    /// `.NAME.lock`, the lock file of output NAME.
    public static func lockName(output name: String) -> String { "." + name + ".lock" }

    private static func lock(_ path: String, key: String, busy: (String) -> Error, cannotCreate: (String) -> Error) throws {
        mutex.lock(); defer { mutex.unlock() }
        if held[key] != nil { return }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw cannotCreate(String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = readPid(fd)
            close(fd)
            throw busy(holder.map(String.init) ?? "unknown")
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
