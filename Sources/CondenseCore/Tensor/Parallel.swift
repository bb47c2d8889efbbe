// Parallel: splits a range of work over the cores with DispatchQueue.concurrentPerform, or runs it inline when small.
import Dispatch
import Foundation

public enum Parallel {
    /// Worker count used by `forChunks`: the active processor count, overridable (e.g. 1 for reproducible timing).
    nonisolated(unsafe) public static var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls body(range) for disjoint chunks covering 0..<count, in parallel when count ≥ 2·minChunk.
    /// Chunks are at least minChunk long; body must only write state that its own range owns.
    @inline(__always)
    public static func forChunks(_ count: Int, minChunk: Int, _ body: (Range<Int>) -> Void) {
        let chunks = min(workers, count / max(minChunk, 1))
        if chunks <= 1 { if count > 0 { body(0..<count) }; return }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            body((c * count / chunks)..<((c + 1) * count / chunks))
        }
    }
}
