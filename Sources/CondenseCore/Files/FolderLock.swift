// FolderLock: one writer per folder or per output file, by an advisory flock held for the life of the process.
import Foundation

/// `acquire(dir)` takes an exclusive flock on `dir/.condense.lock`; `acquire(output:)` takes one on `.NAME.lock`
/// beside a single output file (a model written with -o, an exported file). Either writes this process's pid into
/// the lock file. The lock lasts until the process exits (the kernel releases it even after kill -9). A folder or
/// file locked by another process is an error naming that process's pid. Acquiring what this process already holds
/// does nothing. A folder's lock file stays (it lives inside the folder the tool owns). An output file's lock file is
/// removed when the process exits normally, so nothing but the output is left beside it; a process that locks a file
/// checks afterwards that the path still names the inode it locked (else another process removed it meanwhile, and it
/// retries), so removal cannot give two processes the same output.
public enum FolderLock {
    private static var held: [String: Int32] = [:]
    /// Output lock files this process holds, removed at exit.
    private static var outputLocks: [String] = []
    private static var exitHookInstalled = false
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
        try lock(lockFile, key: "file:" + url.path, removeAtExit: true) { holder in
            FormatError(file: path, "is being written by another condense process (pid \(holder), lock \(lockFile)); wait for it to finish or stop it")
        } cannotCreate: { reason in
            FormatError(file: path, "cannot create its lock file \(lockFile) (\(reason))")
        }
    }

    /// `.NAME.lock`, the lock file of output NAME.
    public static func lockName(output name: String) -> String { "." + name + ".lock" }

    private static func lock(_ path: String, key: String, removeAtExit: Bool = false, busy: (String) -> Error,
                             cannotCreate: (String) -> Error) throws {
        mutex.lock(); defer { mutex.unlock() }
        if held[key] != nil { return }
        var fd: Int32 = -1
        for _ in 0..<8 {  // retry while another process removes the file between our open and our flock
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw cannotCreate(String(cString: strerror(errno))) }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let holder = readPid(fd)
                close(fd)
                throw busy(holder.map(String.init) ?? "unknown")
            }
            if namesSameInode(fd, path) { break }
            close(fd); fd = -1
        }
        guard fd >= 0 else { throw cannotCreate("it kept being removed by another process") }
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        held[key] = fd
        if removeAtExit {
            outputLocks.append(path)
            if !exitHookInstalled { exitHookInstalled = true; atexit { FolderLock.removeOutputLocks() } }
        }
    }

    private static func namesSameInode(_ fd: Int32, _ path: String) -> Bool {
        var a = stat(), b = stat()
        return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    /// At exit: unlinks the output lock files this process still holds (while holding them).
    static func removeOutputLocks() {
        mutex.lock(); defer { mutex.unlock() }
        for p in outputLocks { unlink(p) }
        outputLocks.removeAll()
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
