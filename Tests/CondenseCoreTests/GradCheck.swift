// GradCheck: central-difference gradient checking for the layer tests, with built-in proof that each check has teeth.
import Testing
import TestSupport
@testable import CondenseCore

enum GradCheck {
    /// The verdict of comparing an analytic gradient with a numeric one.
    struct Report: CustomStringConvertible {
        var passed: Bool
        var worstIndex: Int
        /// max over elements of error / allowed error: ≤ 1 passes.
        var worstRatio: Double
        var analytic: Float
        var numeric: Double
        var description: String {
            "worst element \(worstIndex): analytic \(analytic) vs numeric \(numeric), error/allowed = \(worstRatio)"
        }
    }

    /// Numeric gradient of loss() with respect to x[i] for i in indices: (L(x+h) − L(x−h)) / 2h.
    /// The forward runs in Float32; loss() should sum in Double so the loss adds no rounding of its own.
    static func numeric(_ x: UnsafeMutablePointer<Float>, indices: [Int], h: Float, loss: () -> Double) -> [Double] {
        indices.map { i in
            let saved = x[i]
            x[i] = saved + h
            let lp = loss()
            x[i] = saved - h
            let lm = loss()
            x[i] = saved
            // the step actually taken, after rounding saved ± h to Float
            let step = Double(saved + h) - Double(saved - h)
            return (lp - lm) / step
        }
    }

    /// Element i passes when |analytic − numeric| ≤ rtol·max(|numeric|, floor·max_j |numeric_j|).
    /// The floor keeps near-zero elements from demanding an impossible relative precision; it is a fraction of
    /// the gradient's own scale, so an error worth more than rtol·floor of the largest element still fails.
    static func compare(analytic: [Float], numeric: [Double], rtol: Double, floor: Double = 0.05) -> Report {
        precondition(analytic.count == numeric.count && !numeric.isEmpty)
        let scale = numeric.map { Swift.abs($0) }.max()!
        var report = Report(passed: true, worstIndex: 0, worstRatio: 0, analytic: analytic[0], numeric: numeric[0])
        for i in numeric.indices {
            let allowed = rtol * Swift.max(Swift.abs(numeric[i]), floor * scale, 1e-30)
            var ratio = Swift.abs(Double(analytic[i]) - numeric[i]) / allowed
            if ratio.isNaN { ratio = .infinity }
            if ratio > report.worstRatio {
                report.worstRatio = ratio; report.worstIndex = i
                report.analytic = analytic[i]; report.numeric = numeric[i]
            }
        }
        report.passed = report.worstRatio <= 1
        return report
    }

    /// Checks the analytic gradient (at the given indices) of x against central differences of loss(),
    /// and proves the check has teeth: the same comparison must reject the gradient scaled by 1.01, one
    /// mid-sized element off by 1%, and a smallest-magnitude element off by 1% of the gradient's scale.
    static func expect(_ name: String, x: UnsafeMutablePointer<Float>, analytic: [Float], indices: [Int]? = nil,
                       h: Float, rtol: Double, loss: () -> Double, sourceLocation: SourceLocation = #_sourceLocation) {
        let idx = indices ?? Array(analytic.indices)
        let a = idx.map { analytic[$0] }
        let num = numeric(x, indices: idx, h: h, loss: loss)
        let report = compare(analytic: a, numeric: num, rtol: rtol)
        #expect(report.passed, "\(name): \(report)", sourceLocation: sourceLocation)
        #expect(num.contains { $0 != 0 }, "\(name): the numeric gradient is all zero", sourceLocation: sourceLocation)

        let scale = num.map { Swift.abs($0) }.max()!
        let byMagnitude = num.indices.sorted { Swift.abs(num[$0]) < Swift.abs(num[$1]) }
        let mid = byMagnitude[byMagnitude.count / 2], smallest = byMagnitude[0]
        var wrongs: [(String, [Float])] = [("scaled by 1.01", a.map { $0 * 1.01 })]
        if Swift.abs(num[mid]) >= 0.05 * scale {
            var w = a; w[mid] *= 1.01; wrongs.append(("element \(mid) ×1.01", w))
        }
        var w = a; w[smallest] += Float(0.01 * scale); wrongs.append(("element \(smallest) + 1% of scale", w))
        for (what, wrong) in wrongs {
            #expect(!compare(analytic: wrong, numeric: num, rtol: rtol).passed,
                    "\(name): the check is too loose to catch a gradient \(what)", sourceLocation: sourceLocation)
        }
    }

    /// L = Σ out·R, in Double.
    static func dotLoss(_ out: UnsafePointer<Float>, _ r: [Float]) -> Double {
        var s = 0.0
        for i in r.indices { s += Double(out[i]) * Double(r[i]) }
        return s
    }

    /// A tensor of N(0, std²) values from a fixed seed.
    static func randn(_ shape: [Int], std: Float = 1, seed: UInt64) -> Tensor {
        var rng = RNG(seed: seed)
        let t = Tensor(uninitialized: shape)
        t.fillNormal(std: std, rng: &rng)
        return t
    }

    /// Runs backward(accumulate) twice, first overwriting a garbage-filled buffer, then adding into known values,
    /// and expects the second to equal known + first. Returns the overwritten gradient.
    /// Bound: accumulating may change the order in which the gradient's reduction meets the known value (BLAS with
    /// β = 1 adds C between K-blocks), so the two gradients are two orders of a reduction of length ≤ `length` (the
    /// layer tests' longest: attention's T = 67), 2·FloatBounds.forward(1, length) of the gradient's scale, plus the
    /// final sum's rounding, 2u·(|known| + |g|). A backward that overwrites instead (or adds twice) is off by |known|.
    static func expectInputModes(_ name: String, buffer: Tensor, length: Int = 67,
                                 sourceLocation: SourceLocation = #_sourceLocation,
                                 _ backward: (Bool) -> Void) -> [Float] {
        buffer.fill(1e3)
        backward(false)
        let g = buffer.array
        let base = randn(buffer.shape, seed: 99)
        buffer.copy(from: base)
        backward(true)
        let scale = g.reduce(0.0) { Swift.max($0, Double(Swift.abs($1))) }
        var worst = 0.0
        for i in g.indices {
            let bound = 2 * FloatBounds.forward(reductions: 1, length: length) * scale
                + 2 * FloatBounds.u * Double(Swift.abs(base[i]) + Swift.abs(g[i]))
            worst = Swift.max(worst, Double(Swift.abs(buffer[i] - (base[i] + g[i]))) / bound)
        }
        #expect(worst <= 1, "\(name): accumulate mode differs from known + overwrite mode by \(worst)× the derived bound",
                sourceLocation: sourceLocation)
        return g
    }

    /// Pre-fills a parameter gradient with known values, and later returns what backward added to it
    /// (so a backward that overwrites instead of accumulating fails the check).
    struct Accumulated {
        let tensor: Tensor
        let base: [Float]
        init(_ tensor: Tensor, seed: UInt64) {
            self.tensor = tensor
            base = randn(tensor.shape, seed: seed).array
            tensor.copy(from: Tensor(shape: tensor.shape, values: base))
        }
        var added: [Float] { zip(tensor.array, base).map { $0 - $1 } }
    }
}
