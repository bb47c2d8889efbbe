// DistillLoss: L = α·T²·D(p_t^T, p_s^T) + (1−α)·CE(y, softmax(z_s)) per row, averaged, with its gradient in z_s.
import CondenseCore
import Foundation

/// The divergence between teacher (P) and student (Q) distributions at temperature T, as in the GKD paper.
public enum Divergence: String, Codable, CaseIterable, Sendable {
    /// KL(P ‖ Q), Hinton et al.'s distillation loss (the default).
    case forward_kl
    /// KL(Q ‖ P), mode seeking.
    case reverse_kl
    /// JSD(β)(P ‖ Q) = β·KL(P ‖ M) + (1−β)·KL(Q ‖ M), M = β·P + (1−β)·Q, for β in (0, 1).
    case jsd
}

/// Means over the counted rows (target ≥ 0) of the whole loss and of its two terms.
public struct DistillLossValue: Equatable, Sendable {
    public var loss: Double
    /// Mean divergence D at temperature T (without α or T²).
    public var divergence: Double
    /// Mean cross-entropy against the labels at T = 1.
    public var crossEntropy: Double
}

/// The distillation loss L = α·T²·D(teacher ‖ student at T) + (1−α)·CE (docs/ARCHITECTURE.md) for fixed α, T, divergence and β.
public struct DistillLoss: Sendable {
    public var alpha: Double
    public var temperature: Double
    public var divergence: Divergence
    public var beta: Double

    public init(alpha: Double, temperature: Double, divergence: Divergence = .forward_kl, beta: Double = 0.5) {
        self.alpha = alpha; self.temperature = temperature; self.divergence = divergence; self.beta = beta
    }

    /// student (rows, cols) logits z_s; teacher (rows, cols) logits z_t; targets (rows), −1 ignores a row in
    /// both terms. With `mix`, row r's label is a blend: λ_r·onehot(y_r) + (1−λ_r)·onehot(mix.targets[r]) (mixup).
    /// dlogits (rows, cols) is overwritten with d(mean loss)/d(z_s). Returns the means.
    public func compute(student: UnsafePointer<Float>, teacher: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                        rows: Int, cols: Int, dlogits: UnsafeMutablePointer<Float>,
                        mix: (targets: UnsafePointer<Int32>, lambda: UnsafePointer<Float>)? = nil) -> DistillLossValue {
        let count = crossEntropyCount(targets: targets, n: rows)
        guard count > 0 else {
            dlogits.update(repeating: 0, count: rows * cols)
            return DistillLossValue(loss: 0, divergence: 0, crossEntropy: 0)
        }
        if alpha == 0 && mix == nil {
            // The task loss alone, through the very code `train` uses, so a step is bit-for-bit a task-loss step.
            let ce = crossEntropyForward(probs: dlogits, losses: nil, logits: student, targets: targets, n: rows, v: cols)
            crossEntropyBackward(dlogits: dlogits, probs: dlogits, targets: targets, n: rows, v: cols)
            return DistillLossValue(loss: Double(ce), divergence: 0, crossEntropy: Double(ce))
        }
        let invT = Float(1 / temperature)
        let a = Float(alpha), n = Float(count)
        // Per-row scratch: lq/lp log-probabilities at T, q/p probabilities, g a work row.
        var lq = [Float](repeating: 0, count: cols), lp = lq, q = lq, p = lq, g = lq, ls = lq
        var kdSum = 0.0, ceSum = 0.0
        for r in 0..<rows {
            let s = student + r * cols, t = teacher + r * cols, d = dlogits + r * cols
            let y = Int(targets[r])
            guard y >= 0 else { d.update(repeating: 0, count: cols); continue }
            for j in 0..<cols { d[j] = 0 }
            if alpha > 0 {
                Ops.logSoftmaxRows(&lq, s, rows: 1, cols: cols, invTemperature: invT)
                Ops.logSoftmaxRows(&lp, t, rows: 1, cols: cols, invTemperature: invT)
                for j in 0..<cols { q[j] = Foundation.exp(lq[j]); p[j] = Foundation.exp(lp[j]) }
                let dr = rowDivergence(lq: lq, lp: lp, q: q, p: p, g: &g)
                kdSum += dr
                // T²·dD/dz_s = T·dD/d(z_s/T)
                let scale = a * Float(temperature) / n
                for j in 0..<cols { d[j] += scale * g[j] }
            }
            // Cross-entropy at T = 1 (computed even when α = 1, for the report).
            Ops.logSoftmaxRows(&ls, s, rows: 1, cols: cols)
            let w = (1 - a) / n
            if let mix {
                let lam = mix.lambda[r], y2 = Int(mix.targets[r])
                ceSum += Double(-(lam * ls[y] + (1 - lam) * ls[y2]))
                if alpha < 1 {
                    for j in 0..<cols { d[j] += w * Foundation.exp(ls[j]) }
                    d[y] -= w * lam
                    d[y2] -= w * (1 - lam)
                }
            } else {
                ceSum += Double(-ls[y])
                if alpha < 1 {
                    for j in 0..<cols { d[j] += w * Foundation.exp(ls[j]) }
                    d[y] -= w
                }
            }
        }
        let kd = kdSum / Double(count), ce = ceSum / Double(count)
        let loss = alpha * temperature * temperature * kd + (1 - alpha) * ce
        return DistillLossValue(loss: loss, divergence: kd, crossEntropy: ce)
    }

    /// One row: returns D and writes g = dD/dz, z = z_s/T (so that dq/dz is the softmax Jacobian).
    private func rowDivergence(lq: [Float], lp: [Float], q: [Float], p: [Float], g: inout [Float]) -> Double {
        let cols = q.count
        switch divergence {
        case .forward_kl:
            // D = Σ p (log p − log q); dD/dz = q − p
            var dsum = 0.0
            for j in 0..<cols {
                if p[j] > 0 { dsum += Double(p[j]) * Double(lp[j] - lq[j]) }
                g[j] = q[j] - p[j]
            }
            return dsum
        case .reverse_kl:
            // D = Σ q (log q − log p); dD/dz = q ⊙ (log q − log p − D)
            var dsum = 0.0
            for j in 0..<cols where q[j] > 0 { dsum += Double(q[j]) * Double(lq[j] - lp[j]) }
            let df = Float(dsum)
            for j in 0..<cols { g[j] = q[j] * (lq[j] - lp[j] - df) }
            return dsum
        case .jsd:
            // M = βp + (1−β)q; D = β Σ p log(p/M) + (1−β) Σ q log(q/M); dD/dq = (1−β) log(q/M), then the Jacobian.
            let b = Float(beta), lb = Foundation.log(b), l1b = Foundation.log(1 - b)
            var dsum = 0.0, mean = 0.0
            for j in 0..<cols {
                let x = lb + lp[j], z = l1b + lq[j], m = Swift.max(x, z)
                let lm = m + Foundation.log(Foundation.exp(x - m) + Foundation.exp(z - m))
                if p[j] > 0 { dsum += Double(b) * Double(p[j]) * Double(lp[j] - lm) }
                if q[j] > 0 { dsum += Double(1 - b) * Double(q[j]) * Double(lq[j] - lm) }
                g[j] = (1 - b) * (lq[j] - lm)
                mean += Double(q[j]) * Double(g[j])
            }
            let mf = Float(mean)
            for j in 0..<cols { g[j] = q[j] * (g[j] - mf) }
            return dsum
        }
    }
}
