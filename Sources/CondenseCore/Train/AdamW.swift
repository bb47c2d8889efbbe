// AdamW: Adam with decoupled weight decay, and the warm-up plus cosine learning-rate schedule.
import Foundation

public final class AdamW {
    public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    public let m: [Tensor], v: [Tensor]
    /// Steps taken so far (the t of bias correction).
    public var t: Int = 0

    public init(params: ParameterStore, beta1: Double, beta2: Double, eps: Double, weightDecay: Double) {
        self.beta1 = Float(beta1); self.beta2 = Float(beta2); self.eps = Float(eps); self.weightDecay = Float(weightDecay)
        m = params.values.map { Tensor(zeros: $0.shape) }
        v = params.values.map { Tensor(zeros: $0.shape) }
    }

    /// One update of every parameter from its gradient: p ← p − lr·(m̂/(√v̂ + eps) + wd·p) (wd only where decay).
    public func step(_ params: ParameterStore, lr: Float) {
        t += 1
        let c1 = 1 - Float(Foundation.pow(Double(beta1), Double(t)))
        let c2 = 1 - Float(Foundation.pow(Double(beta2), Double(t)))
        let b1 = beta1, b2 = beta2, e = eps
        for i in params.values.indices {
            let p = params.values[i].data, g = params.grads[i].data, mi = m[i].data, vi = v[i].data
            let wd = params.decay[i] ? weightDecay : 0
            let n = params.values[i].count
            Parallel.forChunks(n, minChunk: 1 << 16) { r in
                for j in r {
                    let gj = g[j]
                    let mj = b1 * mi[j] + (1 - b1) * gj
                    let vj = b2 * vi[j] + (1 - b2) * gj * gj
                    mi[j] = mj; vi[j] = vj
                    p[j] -= lr * ((mj / c1) / ((vj / c2).squareRoot() + e) + wd * p[j])
                }
            }
        }
    }
}

/// Linear warm-up to `lr` over `warmup` steps, then cosine decay to `minLR` at `total` (nanoGPT's schedule).
public func learningRate(step: Int, total: Int, warmup: Int, lr: Double, minLR: Double) -> Double {
    if step < warmup { return lr * Double(step + 1) / Double(warmup + 1) }
    if step >= total { return minLR }
    let progress = Double(step - warmup) / Double(max(total - warmup, 1))
    return minLR + 0.5 * (1 + Foundation.cos(Double.pi * progress)) * (lr - minLR)
}
