// Tensor+Ops: whole-tensor conveniences over Ops (reductions, in-place arithmetic, random fills).

extension Tensor {
    public func sum() -> Float { Ops.sum(data, count) }
    public func sumOfSquares() -> Float { Ops.sumOfSquares(data, count) }
    public func maxAbs() -> Float { Ops.maxAbs(data, count) }
    /// The flat index of the first NaN or ±∞, or nil when all elements are finite.
    public func firstNonFinite() -> Int? { Ops.firstNonFinite(data, count) }

    /// self += other (same element count).
    public func add(_ other: Tensor) {
        precondition(other.count == count, "add: \(other.shape) to \(shape)")
        Ops.addInPlace(data, other.data, count)
    }

    /// self += alpha·x (same element count).
    public func axpy(_ alpha: Float, _ x: Tensor) {
        precondition(x.count == count, "axpy: \(x.shape) to \(shape)")
        Ops.axpy(data, alpha, x.data, count)
    }

    /// self *= alpha.
    public func scale(_ alpha: Float) { Ops.scale(data, alpha, count) }

    /// Fills with N(mean, std²) draws, in index order.
    public func fillNormal(mean: Float = 0, std: Float, rng: inout RNG) {
        for i in 0..<count { data[i] = mean + std * rng.normal() }
    }

    /// Fills with uniform draws in [low, high), in index order.
    public func fillUniform(_ low: Float, _ high: Float, rng: inout RNG) {
        for i in 0..<count { data[i] = low + (high - low) * rng.uniform() }
    }
}
