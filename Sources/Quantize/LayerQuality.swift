// LayerQuality: one layer's quantization error as SQNR in dB, on its weights and on its outputs for calibration inputs.
import CondenseCore
import Foundation

/// 10·log10(Σ ref² / Σ (ref − approx)²); +∞ when the approximation is exact.
func sqnrDB(_ ref: UnsafePointer<Float>, _ approx: UnsafePointer<Float>, _ n: Int) -> Double {
    var sig = 0.0, noise = 0.0
    for i in 0..<n {
        let r = Double(ref[i]), e = r - Double(approx[i])
        sig += r * r; noise += e * e
    }
    if noise == 0 { return .infinity }
    return 10 * log10(max(sig, 1e-300) / noise)
}

/// Output SQNR of an int8 layer against the float layer on `rows` stored calibration inputs x (rows, k):
/// reference y = x·Wᵀ + b in float, approximation the int8 kernel's output on the same x.
func outputSQNR(_ layer: Int8Layer, weight: Tensor, bias: Tensor?, inputs x: [Float]) -> Double {
    let k = layer.stored.k, n = layer.stored.n, rows = x.count / k
    guard rows > 0 else { return .nan }
    let ref = Tensor(zeros: [rows, n]), got = Tensor(zeros: [rows, n])
    x.withUnsafeBufferPointer { xp in
        linearForward(out: ref.data, inp: xp.baseAddress!, weight: weight.data, bias: bias?.data, n: rows, c: k, oc: n)
        layer.forward(out: got.data, inp: xp.baseAddress!, rows: rows)
    }
    return sqnrDB(ref.data, got.data, rows * n)
}
