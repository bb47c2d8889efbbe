// ActivationScale: one static per-tensor activation scale from calibration samples, by min-max, percentile or MSE.
import Foundation

enum CalibrationMethod: String, CaseIterable { case minmax, percentile, mse }

/// The error of symmetric int8 quantization with scale `s` over |x| samples: mean (|x| − s·min(round(|x|/s), 127))².
func quantizationMSE(_ samples: [Float], scale s: Float) -> Double {
    var sum = 0.0
    for a in samples {
        let q = min((a / s).rounded(.toNearestOrEven), 127)
        let e = Double(a - q * s)
        sum += e * e
    }
    return sum / Double(max(samples.count, 1))
}

/// The scale s_x so that x ≈ s_x·q, q ∈ [−127, 127]:
/// - minmax: max|x|/127 (no clipping);
/// - percentile: the given percentile of the |x| samples /127 (clips the rare outliers);
/// - mse: the clipping threshold among 100 fractions of max|x| that minimizes the quantization MSE of the samples.
/// A tensor that was always zero gets scale 1 (any scale represents it exactly).
func activationScale(method: CalibrationMethod, tensorMax: Float, samples: [Float], percentile: Double) -> Float {
    guard tensorMax > 0, tensorMax.isFinite else { return 1 }
    switch method {
    case .minmax:
        return tensorMax / 127
    case .percentile:
        guard !samples.isEmpty else { return tensorMax / 127 }
        let sorted = samples.sorted()
        let idx = min(sorted.count - 1, Int((percentile / 100 * Double(sorted.count - 1)).rounded(.up)))
        let clip = sorted[idx]
        return clip > 0 ? clip / 127 : tensorMax / 127
    case .mse:
        guard !samples.isEmpty else { return tensorMax / 127 }
        var best = tensorMax / 127, bestErr = Double.infinity
        for step in 1...100 {
            let s = tensorMax * Float(step) / 100 / 127
            let e = quantizationMSE(samples, scale: s)
            if e < bestErr { bestErr = e; best = s }
        }
        return best
    }
}
