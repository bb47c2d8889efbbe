// Int8LinearTests: a quantized Linear stays within a derived bound of dequantize-then-float matmul.
import CInt8
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite struct Int8LinearTests {
    /// The kernel path these tests run on (the CPU's best, or the one CONDENSE_INT8_PATH forces), printed once and
    /// named in every failure, so a log says which path was checked. (condenseTests' Int8PathTests checks, in a
    /// process of its own, that a forced path is the one in use: CInt8's dispatch tests switch paths in this one.)
    static let path: String = {
        let info = String(cString: ci8_path_info())
        print("Int8LinearTests: int8 path \(info)")
        return info
    }()

    /// Float reference y = x·Ŵᵀ + b with the dequantized weights Ŵ, in Double.
    static func reference(_ x: Tensor, _ w: Tensor, _ b: [Float]?) -> [Double] {
        let m = x.shape[0], k = x.shape[1], n = w.shape[0]
        var y = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s = Double(b?[j] ?? 0)
            for t in 0..<k { s += Double(x[i * k + t]) * Double(w[j * k + t]) }
            y[i * n + j] = s
        } }
        return y
    }

    /// The derived bound on |int8 output − float reference| for output (i, j), u = 2⁻²⁴. Activation rounding:
    /// x = s_x·q + e with |e| ≤ s_x/2, so (s_x/2)·Σ_t |Ŵ_jt|. The int32 dot product is exact on every kernel path
    /// (VNNI, AVX2, scalar), so the rest is float rounding: x/s_x before rounding to q (u·|x|), the reference's
    /// dequantized Ŵ = s_w·q_w (u·|Ŵ|), and the epilogue acc·(s_x·s_w) + b (3 roundings): γ_4·(Σ|x_t·Ŵ_jt| + |b_j|).
    /// ReLU is 1-Lipschitz, so the bound holds after it too.
    static func bound(_ x: Tensor, _ wq: Tensor, _ b: [Float]?, sx: Float, i: Int, j: Int) -> Double {
        let k = x.shape[1]
        var l1 = 0.0, absDot = 0.0
        for t in 0..<k {
            l1 += Double(abs(wq[j * k + t]))
            absDot += Double(abs(x[i * k + t] * wq[j * k + t]))
        }
        return Double(sx) / 2 * l1 + FloatBounds.gamma(4) * (absDot + Double(abs(b?[j] ?? 0)))
    }

    @Test(arguments: [(1, 5, 3), (7, 129, 65), (13, 1000, 17), (65, 64, 130)])
    func dynamicQuantizationErrorIsWithinTheDerivedBound(_ shape: (Int, Int, Int)) throws {
        let (m, k, n) = shape, path = Self.path
        var rng = RNG(seed: UInt64(m * 31 + k))
        let w = Tensor(zeros: [n, k]), x = Tensor(zeros: [m, k]), b = Tensor(zeros: [n])
        w.fillNormal(std: 0.1, rng: &rng); x.fillNormal(std: 1, rng: &rng); b.fillNormal(std: 0.1, rng: &rng)
        let layer = try Int8Linear(weight: w, bias: b)
        let wq = layer.dequantized()
        // The per-channel weight rounding error is at most scale/2 per element, plus the rounding of w/scale before
        // it is rounded to an integer (u·|w|) and of the dequantizing product (u·|ŵ|).
        for j in 0..<n { for t in 0..<k {
            let bound = Double(layer.weightScale[j]) / 2 + FloatBounds.u * Double(abs(w[j * k + t]) + abs(wq[j * k + t]))
            #expect(Double(abs(wq[j * k + t] - w[j * k + t])) <= bound)
        } }
        let y = Tensor(zeros: [m, n]), sx = Tensor(zeros: [m])
        layer.forwardDynamic(x: x.data, m: m, out: y.data, rowScales: sx.data)
        let ref = Self.reference(x, wq, b.array)
        var worstRatio = 0.0
        for i in 0..<m { for j in 0..<n {
            let bound = Self.bound(x, wq, b.array, sx: sx[i], i: i, j: j)
            worstRatio = max(worstRatio, abs(Double(y[i * n + j]) - ref[i * n + j]) / bound)
        } }
        #expect(worstRatio <= 1, "error / bound = \(worstRatio) on \(path)")
        #expect(worstRatio > 0.01, "the bound should not be vacuous")
    }

    @Test func staticScaleWithReluMatchesTheReference() throws {
        var rng = RNG(seed: 5)
        let (m, k, n) = (9, 70, 11), path = Self.path
        let w = Tensor(zeros: [n, k]), x = Tensor(zeros: [m, k])
        w.fillNormal(std: 0.1, rng: &rng); x.fillUniform(-1, 1, rng: &rng)
        let layer = try Int8Linear(weight: w, bias: nil)
        let y = Tensor(zeros: [m, n])
        let sxStatic: Float = 1.0 / 127
        layer.forwardStatic(x: x.data, m: m, inputScale: sxStatic, out: y.data, activation: .relu)
        let wq = layer.dequantized(), ref = Self.reference(x, wq, nil)
        // |x| ≤ 1 = 127·s_x: nothing clips, so the dynamic case's bound holds with the static scale
        var worstRatio = 0.0
        for i in 0..<(m * n) {
            let r = max(0, ref[i]), bound = Self.bound(x, wq, nil, sx: sxStatic, i: i / n, j: i % n)
            worstRatio = max(worstRatio, abs(Double(y[i]) - r) / bound)
            #expect(y[i] >= 0)
        }
        #expect(worstRatio <= 1, "error / bound = \(worstRatio) on \(path)")
    }

    @Test func badWeightsAreRefused() {
        let w = Tensor(zeros: [2, 3]); w[4] = .nan
        #expect(throws: Int8Error.self) { _ = try Int8Linear(weight: w, bias: nil) }
        #expect(throws: Int8Error.self) { _ = try Int8Linear(n: 1, k: 2, qweight: [-128, 0], weightScale: [1], bias: nil) }
    }
}
