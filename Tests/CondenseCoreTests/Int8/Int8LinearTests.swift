// Int8LinearTests: a quantized Linear stays within a derived bound of dequantize-then-float matmul.
import Testing
@testable import CondenseCore

@Suite struct Int8LinearTests {
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

    @Test(arguments: [(1, 5, 3), (7, 129, 65), (13, 1000, 17), (65, 64, 130)])
    func dynamicQuantizationErrorIsWithinTheDerivedBound(_ shape: (Int, Int, Int)) throws {
        let (m, k, n) = shape
        var rng = RNG(seed: UInt64(m * 31 + k))
        let w = Tensor(zeros: [n, k]), x = Tensor(zeros: [m, k]), b = Tensor(zeros: [n])
        w.fillNormal(std: 0.1, rng: &rng); x.fillNormal(std: 1, rng: &rng); b.fillNormal(std: 0.1, rng: &rng)
        let layer = try Int8Linear(weight: w, bias: b)
        let wq = layer.dequantized()
        // The per-channel weight rounding error is at most scale/2 per element.
        for j in 0..<n { for t in 0..<k { #expect(abs(wq[j * k + t] - w[j * k + t]) <= layer.weightScale[j] / 2 * 1.0001) } }
        let y = Tensor(zeros: [m, n]), sx = Tensor(zeros: [m])
        layer.forwardDynamic(x: x.data, m: m, out: y.data, rowScales: sx.data)
        let ref = Self.reference(x, wq, b.array)
        // Activation rounding: x = s_x·q + e with |e| ≤ s_x/2, so |y − ŷ| ≤ (s_x/2)·Σ_t |Ŵ_jt| (+ float rounding).
        var worstRatio = 0.0
        for i in 0..<m { for j in 0..<n {
            var l1 = 0.0
            for t in 0..<k { l1 += Double(abs(wq[j * k + t])) }
            let bound = Double(sx[i]) / 2 * l1 * (1 + 1e-4) + 1e-5 * (1 + abs(ref[i * n + j]))
            worstRatio = max(worstRatio, abs(Double(y[i * n + j]) - ref[i * n + j]) / bound)
        } }
        #expect(worstRatio <= 1, "error / bound = \(worstRatio)")
        #expect(worstRatio > 0.01, "the bound should not be vacuous")
    }

    @Test func staticScaleWithReluMatchesTheReference() throws {
        var rng = RNG(seed: 5)
        let (m, k, n) = (9, 70, 11)
        let w = Tensor(zeros: [n, k]), x = Tensor(zeros: [m, k])
        w.fillNormal(std: 0.1, rng: &rng); x.fillUniform(-1, 1, rng: &rng)
        let layer = try Int8Linear(weight: w, bias: nil)
        let y = Tensor(zeros: [m, n])
        let sxStatic: Float = 1.0 / 127
        layer.forwardStatic(x: x.data, m: m, inputScale: sxStatic, out: y.data, activation: .relu)
        let ref = Self.reference(x, layer.dequantized(), nil)
        for i in 0..<(m * n) {
            let r = max(0, ref[i])
            #expect(abs(Double(y[i]) - r) <= Double(sxStatic) / 2 * 0.1 * 3 * Double(k) + 1e-4, "\(i)")
            #expect(y[i] >= 0)
        }
    }

    @Test func badWeightsAreRefused() {
        let w = Tensor(zeros: [2, 3]); w[4] = .nan
        #expect(throws: Int8Error.self) { _ = try Int8Linear(weight: w, bias: nil) }
        #expect(throws: Int8Error.self) { _ = try Int8Linear(n: 1, k: 2, qweight: [-128, 0], weightScale: [1], bias: nil) }
    }
}
