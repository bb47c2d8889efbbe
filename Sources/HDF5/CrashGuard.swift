// CrashGuard: while an input file is open, a crash inside libhdf5 on corrupt bytes becomes one error line and exit 1.
import CHDF5
import Foundation

/// libhdf5 trusts a file's internal structure; some corruptions it does not detect (a bad heap or B-tree entry)
/// fault inside the library. Everything that can be checked beforehand is (File+Structure, Dataset+Storage); this
/// is the last line: while at least one input file is open, SIGSEGV, SIGBUS, SIGFPE and SIGILL print
/// "condense: error: FILE: …" naming the most recently opened input, and exit with status 1. The handler runs on
/// its own stack (so a stack overflow is caught too) and calls only write(2) and _exit(2).
/// CONDENSE_CRASH_GUARD=off leaves the signals to their default handlers (the fuzz harnesses set it, so that
/// AddressSanitizer reports where a fault happened and libFuzzer keeps the input).
enum CrashGuard {
    private static let capacity = 4_096
    nonisolated(unsafe) private static let message = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var length = 0
    nonisolated(unsafe) private static var openCount = 0
    private static let lock = NSLock()

    private static let installed: Bool = {
        if ProcessInfo.processInfo.environment["CONDENSE_CRASH_GUARD"] == "off" { return false }
        let stackSize = 1 << 16
        var ss = stack_t()
        ss.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: stackSize, alignment: 16)
        ss.ss_size = stackSize
        ss.ss_flags = 0
        sigaltstack(&ss, nil)
        var sa = sigaction()
        sa.__sigaction_handler.sa_handler = { sig in CrashGuard.handle(sig) }
        sa.sa_flags = Int32(SA_ONSTACK) | Int32(bitPattern: UInt32(SA_RESETHAND))
        sigemptyset(&sa.sa_mask)
        for sig in [SIGSEGV, SIGBUS, SIGFPE, SIGILL] { sigaction(sig, &sa, nil) }
        return true
    }()

    /// An input file was opened: it is the one a crash names.
    static func opened(_ path: String) {
        _ = installed
        lock.lock(); defer { lock.unlock() }
        let text = "condense: error: \(path): libhdf5 crashed while reading this file: it is corrupt (its internal structure is damaged)\n"
        let bytes = Array(text.utf8.prefix(capacity))
        bytes.withUnsafeBufferPointer { b in
            UnsafeMutableRawPointer(message).copyMemory(from: b.baseAddress!, byteCount: b.count)
        }
        length = bytes.count
        openCount += 1
    }

    static func closed() {
        lock.lock(); defer { lock.unlock() }
        openCount = max(0, openCount - 1)
    }

    private static func handle(_ sig: Int32) {
        if openCount > 0 {
            _ = write(2, message, length)
            _exit(1)
        }
        // Not inside a file read: re-raise with the default action (SA_RESETHAND restored it).
        raise(sig)
    }
}
