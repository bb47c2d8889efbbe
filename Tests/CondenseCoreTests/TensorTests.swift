// TensorTests: Ops kernels and SIMD math against naive Double references, over ragged lengths (SIMD tails).
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite("Tensor ops")
struct TensorTests {
    static let lengths = [0, 1, 15, 16, 17, 33, 100]

    @Test("elementwise: add, addInPlace, axpy, mul, scale, scaled", arguments: lengths)
    func elementwise(n: Int) {
        let a = GradCheck.randn([n], seed: 1), b = GradCheck.randn([n], seed: 2), out = Tensor(zeros: [n])
        Ops.add(out.data, a.data, b.data, n)
        #expect(out.array == zip(a.array, b.array).map { $0 + $1 })
        Ops.mul(out.data, a.data, b.data, n)
        #expect(out.array == zip(a.array, b.array).map { $0 * $1 })
        Ops.scaled(out.data, 3, a.data, n)
        #expect(out.array == a.array.map { 3 * $0 })
        let y = a.copy()
        y.add(b)
        #expect(y.array == zip(a.array, b.array).map { $0 + $1 })
        y.copy(from: a)
        y.axpy(-0.5, b)
        #expect(y.array == zip(a.array, b.array).map { $0 + -0.5 * $1 })
        y.scale(2)
        #expect(y.array == zip(a.array, b.array).map { 2 * ($0 + -0.5 * $1) })
    }

    @Test("reductions: sum, sumOfSquares, dot, maxAbs, max", arguments: lengths)
    func reductions(n: Int) {
        let a = GradCheck.randn([n], seed: 3), b = GradCheck.randn([n], seed: 4)
        let ad = a.array.map(Double.init), bd = b.array.map(Double.init)
        // Any order of a float32 reduction of n terms is within γ_n·Σ|terms| of the exact (Double) value; the
        // `<=` keeps n = 0 (both sides exactly 0) meaningful.
        let ones = [Double](repeating: 1, count: n)
        #expect(abs(Double(a.sum()) - ad.reduce(0, +)) <= FloatBounds.dot(length: n, absSum: FloatBounds.absDot(ad, ones)))
        #expect(abs(Double(a.sumOfSquares()) - ad.map { $0 * $0 }.reduce(0, +)) <= FloatBounds.dot(length: n, absSum: FloatBounds.absDot(ad, ad)))
        #expect(abs(Double(Ops.dot(a.data, b.data, n)) - zip(ad, bd).map { $0 * $1 }.reduce(0, +))
                <= FloatBounds.dot(length: n, absSum: FloatBounds.absDot(ad, bd)))
        #expect(a.maxAbs() == (a.array.map { abs($0) }.max() ?? 0))
        #expect(Ops.max(a.data, n) == (a.array.max() ?? -.infinity))
    }

    @Test("firstNonFinite finds the first NaN or ±∞ anywhere, nil when clean")
    func nonFinite() {
        for n in [1, 16, 17, 40] {
            let a = GradCheck.randn([n], seed: 5)
            #expect(a.firstNonFinite() == nil)
            for bad in [Float.nan, .infinity, -.infinity] {
                for pos in Set([0, n / 2, n - 1]) {
                    let t = a.copy()
                    t[pos] = bad
                    if pos + 1 < n { t[n - 1] = .nan }  // a later bad value must not be reported first
                    #expect(t.firstNonFinite() == pos, "n \(n), \(bad) at \(pos)")
                }
            }
        }
    }

    @Test("row ops: softmax (with temperature), log-softmax, argmax, bias add, column sums")
    func rows() {
        let rows = 3, cols = 37
        let x = GradCheck.randn([rows, cols], std: 5, seed: 6)
        x[cols + 4] = 80  // large logits stay finite (max subtracted)
        let p = Tensor(zeros: [rows, cols]), lp = Tensor(zeros: [rows, cols])
        for invT: Float in [1, 0.5] {
            Ops.softmaxRows(p.data, x.data, rows: rows, cols: cols, invTemperature: invT)
            Ops.logSoftmaxRows(lp.data, x.data, rows: rows, cols: cols, invTemperature: invT)
            for r in 0..<rows {
                let z = (0..<cols).map { Double(x[r * cols + $0]) * Double(invT) }
                let m = z.max()!, s = z.map { Foundation.exp($0 - m) }.reduce(0, +)
                // Derived first-order bounds (FloatBounds.softmax, .logSumExp). z = x·invT is exact (invT is a power
                // of two); simdExp's relative error is ≤ 8u (4 ulp of 1, tested below). Entries that underflow are
                // within the smallest normal float of their value.
                let sm = FloatBounds.softmax(z, expError: Self.expError)
                let logZ = m + Foundation.log(s), lseBound = FloatBounds.logSumExp(z, expError: Self.expError)
                for j in 0..<cols {
                    #expect(abs(Double(p[r * cols + j]) - sm.p[j]) <= sm.p[j] * sm.relative[j] + Double(Float.leastNormalMagnitude))
                    // log-softmax: logZ's bound, then z − logZ rounds once
                    #expect(abs(Double(lp[r * cols + j]) - (z[j] - logZ)) <= lseBound + FloatBounds.u * abs(z[j] - logZ))
                }
            }
        }
        var am = [Int32](repeating: -1, count: rows)
        am.withUnsafeMutableBufferPointer { Ops.argmaxRows($0.baseAddress!, x.data, rows: rows, cols: cols) }
        for r in 0..<rows {
            let row = Array(x.array[(r * cols)..<((r + 1) * cols)])
            #expect(am[r] == Int32(row.firstIndex(of: row.max()!)!))
        }
        let ties = Tensor(shape: [1, 4], values: [1, 3, 3, 0])
        am.withUnsafeMutableBufferPointer { Ops.argmaxRows($0.baseAddress!, ties.data, rows: 1, cols: 4) }
        #expect(am[0] == 1)

        let bias = GradCheck.randn([cols], seed: 7), y = x.copy(), colSum = Tensor(zeros: [cols])
        Ops.addRowVector(y.data, bias.data, rows: rows, cols: cols)
        Ops.accumulateColumnSums(colSum.data, x.data, rows: rows, cols: cols)
        for j in 0..<cols {
            for r in 0..<rows { #expect(y[r * cols + j] == x[r * cols + j] + bias[j]) }
            let column = (0..<rows).map { Double(x[$0 * cols + j]) }
            let want = column.reduce(0, +)  // a float32 sum of `rows` terms: γ_rows·Σ|terms|
            #expect(abs(Double(colSum[j]) - want) <= FloatBounds.dot(length: rows, absSum: column.reduce(0) { $0 + abs($1) }))
        }
    }

    /// simdExp's contract: relative error ≤ 4 ulp of 1 = 8u on [−87, 88] (measured below).
    static let expError = 8 * FloatBounds.u

    /// simdErf's contract (absolute error): A&S 7.1.26's 1.5e-7 in exact arithmetic, plus float32 rounding of its
    /// polynomial and of e^(−z²) (a few u·|erf|), with room: the test below measures it on [−6, 6].
    static let erfBound = 5e-7

    @Test("simdExp within 4 ulp of exp on [−87, 88]; simdErf within 5e-7 of erf")
    func simdMath() {
        var worstExp: Float = 0, worstErf: Float = 0
        var rng = RNG(seed: 8)
        for _ in 0..<2000 {
            var x = F16(), z = F16()
            for l in 0..<16 { x[l] = -87 + 175 * rng.uniform(); z[l] = -6 + 12 * rng.uniform() }
            z[0] = 0; z[1] = 1e-4; z[2] = -1e-4
            let e = simdExp(x), f = simdErf(z)
            for l in 0..<16 {
                let want = Foundation.exp(Double(x[l]))
                worstExp = max(worstExp, Float(abs(Double(e[l]) - want) / want) / Float.ulpOfOne)
                worstErf = max(worstErf, Float(abs(Double(f[l]) - Foundation.erf(Double(z[l])))))
            }
        }
        #expect(Double(worstExp) * Double(Float.ulpOfOne) <= Self.expError, "exp error \(worstExp) ulp")
        // A&S 7.1.26 is within 1.5e-7 in exact arithmetic; Float rounding near erf ≈ 0 adds a few 1e-8
        #expect(Double(worstErf) <= Self.erfBound, "erf error \(worstErf)")
        #expect(simdExp(F16(repeating: -200))[0] < 1e-37)
    }

    @Test("random fills are seeded: the same seed gives the same values")
    func fills() {
        var r1 = RNG(seed: 9), r2 = RNG(seed: 9)
        let a = Tensor(zeros: [50]), b = Tensor(zeros: [50])
        a.fillNormal(std: 2, rng: &r1); b.fillNormal(std: 2, rng: &r2)
        #expect(a.array == b.array)
        a.fillUniform(-1, 1, rng: &r1)
        #expect(a.array.allSatisfy { $0 >= -1 && $0 < 1 })
    }
}
