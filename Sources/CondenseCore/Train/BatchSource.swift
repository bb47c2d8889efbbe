// BatchSource: where the Trainer's batches come from: the seeded sampler (TrainBatches), or a source built over it.
import Foundation

/// One training batch at a time. The Trainer calls `next(step:micro:)`, then reads the input and the targets.
/// A source's randomness must come from its checkpointed `state` or from (seed, step, micro), never from a stream
/// that a checkpoint does not hold, so that a resumed run sees the same batches.
public protocol BatchSource: AnyObject {
    /// Draws the batch of optimizer step `step` (from 0), micro-batch `micro`.
    func next(step: Int, micro: Int) throws
    /// Calls body with the current batch as network input (pointers valid inside body only).
    func withInput<R>(_ body: (NetworkInput) throws -> R) rethrows -> R
    /// The current batch's targets: (B) labels or (B·T) next tokens; −1 marks padding.
    var targets: [Int32] { get }
    /// Examples (images) or tokens per batch.
    var unitsPerBatch: Int { get }
    /// Batches in one pass over the training set, or nil (text, or a source without epochs).
    var batchesPerEpoch: Int? { get }
    /// The state a checkpoint keeps, and its restoration (the state of an identically built source).
    var state: JSONValue { get }
    func restore(_ state: JSONValue) throws
}

extension TrainBatches: BatchSource {
    public func next(step: Int, micro: Int) throws { try next() }
}

/// A source that wraps another and changes only how a batch is drawn (augmentation, relabelling): the input, targets,
/// sizes and checkpoint state are the wrapped source's unless the wrapper says otherwise.
public protocol WrappingBatchSource: BatchSource {
    var wrapped: BatchSource { get }
}

extension WrappingBatchSource {
    public func withInput<R>(_ body: (NetworkInput) throws -> R) rethrows -> R { try wrapped.withInput(body) }
    public var targets: [Int32] { wrapped.targets }
    public var unitsPerBatch: Int { wrapped.unitsPerBatch }
    public var batchesPerEpoch: Int? { wrapped.batchesPerEpoch }
    public var state: JSONValue { wrapped.state }
    public func restore(_ state: JSONValue) throws { try wrapped.restore(state) }
}
