// GradientReducer+Writer: work that rank 0 does alone while the other ranks sleep at a barrier, and rank 0's
// decisions shared with every rank.
import Foundation

extension GradientReducer {
    /// Runs `body` on rank 0 alone, with `threadsAlone` threads, while every other rank waits in `barrierQuietly`
    /// (asleep, not polling); then every rank agrees on the outcome, so an error of rank 0's is thrown on every rank.
    /// Returns body's value on rank 0 and nil on the others; one process just runs it. Files that body writes are
    /// complete when this returns on any rank.
    public func onWriter<T>(_ body: () throws -> T) throws -> T? {
        guard size > 1 else { return try body() }
        var value: T?
        var failure: Error?
        if isWriter {
            let saved = (Parallel.workers, BLAS.threads)
            Parallel.workers = threadsAlone
            BLAS.threads = threadsAlone
            do { value = try body() } catch { failure = error }
            (Parallel.workers, BLAS.threads) = saved
        }
        try barrierQuietly()
        try agree(failure)
        return value
    }

    /// Rank 0's `value` on every rank (a decision taken from files that rank 0 alone writes).
    public func writersChoice(_ value: Int) throws -> Int {
        guard size > 1 else { return value }
        var v = [isWriter ? Double(value) : 0]
        try sum(&v)
        return Int(v[0])
    }
}

extension GradientReducer {
    /// Checks that every rank computed rank 0's `digest` (hex) of something all ranks read, such as a file rank 0
    /// wrote: a rank that differs is the same error on every rank, naming it.
    public func sameOnEveryRank(_ digest: String, what: String) throws {
        guard size > 1 else { return }
        // 32 bits a value: exact in a Double, and summed with zeros from every rank but 0.
        let chunks = stride(from: 0, to: digest.count, by: 8).map { i -> Double in
            let s = digest.dropFirst(i).prefix(8)
            return Double(UInt32(s, radix: 16) ?? 0)
        }
        var theirs = isWriter ? chunks : [Double](repeating: 0, count: chunks.count)
        try sum(&theirs)
        let differs = theirs != chunks
        try agree(differs ? RankMismatch(what: what, rank: rank, size: size) : nil)
    }
}

/// A rank that read other bytes than rank 0 wrote (a run folder that is not shared, or a file changed meanwhile).
public struct RankMismatch: Error, CustomStringConvertible {
    public let what: String
    public let rank: Int
    public let size: Int
    public var description: String {
        "\(what) differs on rank \(rank) of \(size) from rank 0's (SHA-256): the run folder must be one folder that every rank sees"
    }
}
