// CrossEntropy: fused softmax + cross-entropy over logits (N,V) with Int32 targets, mean over rows, forward and backward.
import Foundation

/// logits (N,V), targets (N) in [0,V) or negative to ignore that row. probs (N,V) receives softmax(logits)
/// (may alias logits); losses (N), when given, receives −log p[target] (0 for ignored rows).
/// Returns the mean loss over the non-ignored rows (0 if none), accumulated in Double.
@discardableResult
public func crossEntropyForward(probs: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Float>?,
                                logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, n: Int, v: Int) -> Float {
    var total = 0.0, counted = 0
    for r in 0..<n {
        let x = logits + r * v, p = probs + r * v
        let tgt = Int(targets[r])
        let xt = tgt >= 0 ? x[tgt] : 0  // read before probs, which may alias logits, overwrites it
        let m = Ops.max(x, v)
        let z = Ops.expShiftSum(p, x, v, 1, m)
        Ops.scale(p, 1 / z, v)
        // −log softmax from the logits directly (not log p), exact even when p underflows
        let loss: Float = tgt >= 0 ? m + log(z) - xt : 0
        if tgt >= 0 { total += Double(loss); counted += 1 }
        losses?[r] = loss
    }
    return counted > 0 ? Float(total / Double(counted)) : 0
}

/// The number of rows with a target ≥ 0: the denominator of the mean loss.
public func crossEntropyCount(targets: UnsafePointer<Int32>, n: Int) -> Int {
    var c = 0
    for r in 0..<n where targets[r] >= 0 { c += 1 }
    return c
}

/// probs (N,V) from the forward, targets (N). dlogits (N,V) = scale·(probs − onehot(target))/count, with count
/// the non-ignored rows; ignored rows get zero. Overwritten (dlogits may alias probs), or added when accumulateInput.
/// scale is the upstream gradient of the mean loss (1 for a plain loss; e.g. (1−α) in distillation).
public func crossEntropyBackward(dlogits: UnsafeMutablePointer<Float>, probs: UnsafePointer<Float>,
                                 targets: UnsafePointer<Int32>, n: Int, v: Int, scale: Float = 1,
                                 accumulateInput: Bool = false) {
    let count = crossEntropyCount(targets: targets, n: n)
    let s = count > 0 ? scale / Float(count) : 0
    for r in 0..<n {
        let p = probs + r * v, d = dlogits + r * v
        let tgt = Int(targets[r])
        if tgt < 0 {
            if !accumulateInput { d.update(repeating: 0, count: v) }
            continue
        }
        if accumulateInput { Ops.axpy(d, s, p, v) } else { Ops.scaled(d, s, p, v) }
        d[tgt] -= s
    }
}
