// GradientReducer: how the Trainer combines work across processes (data-parallel ranks); one process does nothing.
import Foundation

/// The Trainer's view of data parallelism. Every rank holds the same model and draws the same global batch; it
/// trains on its shard of the rows, and the reducer sums what the ranks computed, so every rank takes the same
/// optimizer step. Every method is collective: each rank calls it, in the same order, or the job stops.
public protocol GradientReducer: AnyObject {
    /// This process's rank, 0..<size; rank 0 alone writes files and prints progress.
    var rank: Int { get }
    var size: Int { get }
    /// Sums each tensor's elements over the ranks, in place.
    func sum(_ tensors: [Tensor]) throws
    /// Sums each value over the ranks, in place (losses, counts).
    func sum(_ values: inout [Double]) throws
    /// Returns when every rank has called it.
    func barrier() throws
    /// A barrier whose waiting ranks sleep instead of polling, so that rank 0, working alone meanwhile (a stage that
    /// does not train, a latency measurement), has the machine's cores to itself (`onWriter`).
    func barrierQuietly() throws
    /// The threads rank 0 uses while it works alone and the others wait in `barrierQuietly`.
    var threadsAlone: Int { get }
    /// Stops the job when any rank failed: every rank learns of the first failure (by rank) and throws it, so no rank
    /// is left waiting in a later collective. Without failures it returns on every rank.
    func agree(_ failure: Error?) throws
}

extension GradientReducer {
    /// Whether this process writes the run's files (checkpoints, logs, outputs, reports).
    public var isWriter: Bool { rank == 0 }

    /// Runs body on every rank, then `agree`s on its outcome: its value when every rank succeeded, else the same
    /// error on every rank.
    public func together<T>(_ body: () throws -> T) throws -> T {
        var value: T?
        var failure: Error?
        do { value = try body() } catch { failure = error }
        try agree(failure)
        return value!
    }
}

/// The single-process reducer: sums over one rank, so every method returns at once.
public final class SingleProcess: GradientReducer {
    public static let shared = SingleProcess()
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ tensors: [Tensor]) throws {}
    public func sum(_ values: inout [Double]) throws {}
    public func barrier() throws {}
    public func barrierQuietly() throws {}
    public var threadsAlone: Int { Parallel.workers }
    public func agree(_ failure: Error?) throws { if let failure { throw failure } }
}

/// A failure on another rank, as every rank sees it after `agree`.
public struct RankFailure: Error, CustomStringConvertible {
    public let rank: Int
    public let size: Int
    public let message: String
    public init(rank: Int, size: Int, message: String) { self.rank = rank; self.size = size; self.message = message }
    public var description: String { "rank \(rank) of \(size): \(message)" }
}
