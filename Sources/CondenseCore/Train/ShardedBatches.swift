// ShardedBatches: one rank's rows of every global batch: the wrapped source draws the whole batch on every rank, from
// the same seeded state, and this rank trains on rows lo..<hi of it.
import Foundation

public final class ShardedBatches: WrappingBatchSource {
    public let wrapped: BatchSource
    public let rank: Int
    public let size: Int
    /// Rows of the global batch (examples, or sequences of T tokens) and this rank's slice of them.
    public let globalRows: Int
    public let rows: Range<Int>
    /// Target entries per row: 1 (images) or T (text); floats per input row (images).
    private let perRow: Int
    private let features: Int
    /// The share of the global batch's scored targets (those ≠ −1) that this rank's shard holds, for the current
    /// batch: the weight of its mean loss (and gradient) in the global mean.
    public private(set) var weight = 1.0

    /// Shard `rank` of `size`: the rows are split as evenly as possible (the first B mod N ranks get one more).
    /// B < N is refused, since a rank would have no rows.
    public init(_ wrapped: BatchSource, features: Int, rank: Int, size: Int) throws {
        self.wrapped = wrapped; self.features = features; self.rank = rank; self.size = size
        let b = wrapped.withInput { $0.batch }
        guard b >= size else {
            throw ConfigError("train", key: "batch_size", expected: "at least one row per rank (≥ \(size), the number of ranks)", found: "\(b)")
        }
        globalRows = b
        perRow = wrapped.withInput { $0.rows } / b
        let lo = rank * b / size, hi = (rank + 1) * b / size
        rows = lo..<hi
        weight = Double(hi - lo) / Double(b)
    }

    public func next(step: Int, micro: Int) throws {
        try wrapped.next(step: step, micro: micro)
        let all = wrapped.targets
        var scored = 0, mine = 0
        for (i, t) in all.enumerated() where t != BatchBuffers.ignoreIndex {
            scored += 1
            if rows.contains(i / perRow) { mine += 1 }
        }
        weight = scored == 0 ? 0 : Double(mine) / Double(scored)
    }

    public func withInput<R>(_ body: (NetworkInput) throws -> R) rethrows -> R {
        try wrapped.withInput { try body($0.rows(rows, features: features)) }
    }

    public var targets: [Int32] { Array(wrapped.targets[(rows.lowerBound * perRow)..<(rows.upperBound * perRow)]) }
}
