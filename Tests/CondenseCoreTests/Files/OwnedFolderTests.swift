// OwnedFolderTests: the manifest, --force removing exactly what the tool wrote, stale temp files, and the lock.
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite struct OwnedFolderTests {
    let fm = FileManager.default

    func write(_ path: String, _ text: String = "x\n") throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }

    @Test func forceRemovesExactlyWhatTheToolWrote() throws {
        let dir = TestSupport.tempDir("owned").appendingPathComponent("run").path
        try OwnedFolder.prepare(dir, kind: "test", force: false, entries: ["log.jsonl"])
        try write(dir + "/log.jsonl")
        try writeAtomically(to: dir + "/best.h5") { try write($0) }        // recorded by writeAtomically
        try fm.createDirectory(atPath: dir + "/search", withIntermediateDirectories: true)
        try OwnedFolder.claim(dir, ["search"])
        try write(dir + "/search/inner.txt")
        try write(dir + "/mine.txt")                                       // the user's: never listed
        try write(dir + "/best.h5.bak")                                    // looks like an artifact, is not one
        try OwnedFolder.clear(dir)
        let left = Set(try fm.contentsOfDirectory(atPath: dir))
        #expect(left == ["mine.txt", "best.h5.bak", OwnedFolder.lockName])
    }

    @Test func forceRefusesAFolderTheToolDidNotCreate() throws {
        let dir = TestSupport.tempDir("owned-user").path
        try write(dir + "/checkpoint.h5")
        try write(dir + "/notes.txt")
        #expect(throws: FormatError.self) { try OwnedFolder.prepare(dir, kind: "test", force: true) }
        #expect(Set(try fm.contentsOfDirectory(atPath: dir)) == ["checkpoint.h5", "notes.txt"])
        // An empty folder is adopted.
        let empty = TestSupport.tempDir("owned-empty").path
        try OwnedFolder.prepare(empty, kind: "test", force: true)
        #expect(fm.fileExists(atPath: empty + "/" + OwnedFolder.manifestName))
    }

    @Test func staleTempFilesOfAKilledRunAreRemovedOnResume() throws {
        let dir = TestSupport.tempDir("owned-stale").appendingPathComponent("run").path
        try OwnedFolder.prepare(dir, kind: "test", force: false, entries: ["checkpoint.h5"])
        // What writeAtomically leaves when its process is killed mid-write (pid 2^22 + 1 is above Linux's pid_max).
        let stale = dir + "/.checkpoint.h5.tmp-4194305-77"
        try write(stale)
        try write(dir + "/.notes.tmp-4194305-77")                          // not a temp file of a listed name
        try OwnedFolder.prepare(dir, kind: "test", force: false)
        #expect(!fm.fileExists(atPath: stale))
        #expect(fm.fileExists(atPath: dir + "/.notes.tmp-4194305-77"))
    }

    @Test func aSecondProcessGetsTheHoldersPid() throws {
        let dir = TestSupport.tempDir("owned-lock").path
        // A holder process: takes the flock, writes its pid as the tool does, and waits.
        let script = """
            import fcntl, os, sys, time
            fd = os.open(sys.argv[1] + '/.condense.lock', os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0); os.pwrite(fd, (str(os.getpid()) + '\\n').encode(), 0)
            print('locked', flush=True); time.sleep(3)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, dir]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        defer { p.waitUntilExit() }
        _ = out.fileHandleForReading.availableData                          // "locked"
        do {
            try FolderLock.acquire(dir)
            Issue.record("the second writer got the lock")
        } catch let e as FormatError {
            #expect(e.description.contains("pid \(p.processIdentifier)"), "\(e)")
        }
    }
}
