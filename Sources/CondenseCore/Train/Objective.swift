// Objective: a training loss on logits, returning the mean loss and writing its gradient; cross-entropy by default.
/// Distillation supplies its own objective; the trainer is otherwise the same.
public protocol Objective: AnyObject {
    /// logits and dlogits are (rows, cols); dlogits receives d(mean loss)/d(logits) (overwritten).
    func lossAndGradient(logits: UnsafePointer<Float>, dlogits: UnsafeMutablePointer<Float>,
                         targets: UnsafePointer<Int32>, input: NetworkInput, rows: Int, cols: Int) -> Double
}

/// The task loss: softmax cross-entropy against the labels (rows with target −1 ignored).
public final class CrossEntropyObjective: Objective {
    public init() {}
    public func lossAndGradient(logits: UnsafePointer<Float>, dlogits: UnsafeMutablePointer<Float>,
                                targets: UnsafePointer<Int32>, input: NetworkInput, rows: Int, cols: Int) -> Double {
        // probs are computed into dlogits, then turned into the gradient in place
        let loss = crossEntropyForward(probs: dlogits, losses: nil, logits: logits, targets: targets, n: rows, v: cols)
        crossEntropyBackward(dlogits: dlogits, probs: dlogits, targets: targets, n: rows, v: cols)
        return Double(loss)
    }
}

/// A NaN or Inf during training: names the step and the tensor, and where the last good checkpoint is.
public struct NumericalError: Error, CustomStringConvertible {
    public let step: Int
    public let tensor: String
    public let value: Float
    public let index: Int?
    public let checkpoint: String?
    public let checkpointStep: Int?

    public var description: String {
        let at = index.map { " at element \($0)" } ?? ""
        let kept = checkpoint.map { p in "; the last good checkpoint (step \(checkpointStep ?? 0)) is kept at \(p)" }
            ?? "; no checkpoint had been written yet"
        return "training diverged at step \(step): \(value) in \(tensor)\(at)\(kept). Lower train.lr, raise train.warmup_steps, or set train.grad_clip"
    }
}
