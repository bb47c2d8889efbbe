// NetworkInput+Rows: a batch's size and a view of some of its rows (one rank's shard), without copying.
extension NetworkInput {
    /// B: examples, or sequences of T tokens.
    public var batch: Int {
        switch self {
        case .features(_, let b): return b
        case .tokens(_, let b, _): return b
        }
    }

    /// Rows r of the batch (examples of `features` floats, or sequences), pointing into the same memory.
    public func rows(_ r: Range<Int>, features: Int) -> NetworkInput {
        precondition(r.lowerBound >= 0 && r.upperBound <= batch, "rows \(r) of a batch of \(batch)")
        switch self {
        case .features(let p, _): return .features(p + r.lowerBound * features, batch: r.count)
        case .tokens(let p, _, let t): return .tokens(p + r.lowerBound * t, batch: r.count, seq: t)
        }
    }
}
