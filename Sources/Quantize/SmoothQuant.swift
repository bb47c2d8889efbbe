// SmoothQuant: per-input-channel divisors that move activation outliers into the weights (Xiao et al. 2023).
import Foundation

/// s_j = max|X_j|^α / max|W_{:,j}|^(1−α), for input channels j of a linear layer with weight (n, k).
/// Then X·Wᵀ = (X / s)·(W·diag(s))ᵀ exactly, and both factors have flatter ranges. A channel that is zero in
/// the activations or the weights gets s_j = 1 (nothing to migrate). Values are clamped to [1e-5, 1e5].
func smoothingDivisors(columnMax: [Float], weight: UnsafePointer<Float>, n: Int, k: Int, alpha: Double) -> [Float] {
    var wmax = [Float](repeating: 0, count: k)
    for r in 0..<n {
        let row = weight + r * k
        for j in 0..<k { wmax[j] = max(wmax[j], abs(row[j])) }
    }
    return (0..<k).map { j in
        let a = Double(columnMax[j]), w = Double(wmax[j])
        guard a > 0, w > 0 else { return 1 }
        let s = pow(a, alpha) / pow(w, 1 - alpha)
        return Float(min(max(s, 1e-5), 1e5))
    }
}
