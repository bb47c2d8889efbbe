// StopNotice: when mpirun stops a rank (SIGTERM, after another rank died), one line says why before it ends.
import Foundation

enum StopNotice {
    /// The line, made before any signal can arrive: a signal handler may only write(2) and _exit(2).
    nonisolated(unsafe) private static var line: [UInt8] = []

    static func install(rank: Int, size: Int) {
        line = Array(("condense: error: rank \(rank) of \(size): stopped by the launcher, since another rank of the job " +
                      "ended (killed or failed); checkpoints are written atomically, so the last one is intact: " +
                      "rerun with --resume\n").utf8)
        signal(SIGTERM) { _ in
            StopNotice.line.withUnsafeBufferPointer { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
            _exit(143)
        }
    }

    /// A rank that is already ending with its own error line must not add this one when the launcher stops it while it
    /// ends (another rank that failed the same way may have exited first): it then ends quietly, still non-zero.
    static func disarm() {
        signal(SIGTERM) { _ in _exit(1) }
    }
}
