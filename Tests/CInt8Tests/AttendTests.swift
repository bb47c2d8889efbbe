// One query's cached attention (ci8_attend): every path against exact arithmetic on ragged shapes, within a derived bound.
import CInt8
import Foundation
import TestSupport
import Testing

@Suite("CInt8 cached attention")
struct AttendTests {
    /// ci8_attend on an explicit path; out starts as NaN so an unwritten value shows.
    static func attend(_ q: [Float], _ keys: [Float], _ vals: [Float], len: Int, dh: Int, scale: Float,
                       path: Int32) -> [Float] {
        var out = [Float](repeating: .nan, count: dh), scores = [Float](repeating: .nan, count: len)
        let rc = withConfig(path: path, threads: 1) { cfg in ci8_attend(q, keys, vals, len, dh, scale, &scores, &out, cfg) }
        #expect(rc == ok)
        return out
    }

    /// The exact attention in Double, with what the bound needs: P_j, and per score δ_j = γ_{dh+1}·scale·Σ|q·k_j|.
    static func exact(_ q: [Float], _ keys: [Float], _ vals: [Float], len: Int, dh: Int, scale: Float)
        -> (out: [Double], p: [Double], delta: [Double], shifted: [Double]) {
        var s = [Double](repeating: 0, count: len), delta = s
        for j in 0..<len {
            var dot = 0.0, abs = 0.0
            for d in 0..<dh {
                dot += Double(q[d]) * Double(keys[j * dh + d])
                abs += Swift.abs(Double(q[d]) * Double(keys[j * dh + d]))
            }
            s[j] = Double(scale) * dot
            delta[j] = FloatBounds.gamma(dh + 1) * Double(scale) * abs
        }
        let m = s.max()!
        let e = s.map { Foundation.exp($0 - m) }, total = e.reduce(0, +)
        let p = e.map { $0 / total }
        var out = [Double](repeating: 0, count: dh)
        for j in 0..<len { for d in 0..<dh { out[d] += p[j] * Double(vals[j * dh + d]) } }
        return (out, p, delta, s.map { $0 - m })
    }

    // dh around the vector width (8) and the 32-value output blocks; len around the 8-wide exp and the unrolled pairs.
    static let headDims = [1, 7, 8, 9, 31, 32, 33, 64, 80]
    static let lengths = [1, 2, 3, 7, 8, 9, 100, 128]

    @Test("every path equals exact attention within the derived bound, on ragged head sizes and lengths")
    func againstExact() {
        var rng = SplitMix64(seed: 23)
        for dh in Self.headDims {
            for len in Self.lengths {
                // spread 1: scores of order 1 (a trained model's); spread 12: scores far apart, so most exps are tiny
                for spread: Float in [1, 12] {
                    let q = (0..<dh).map { _ in spread * Float.random(in: -1..<1, using: &rng) }
                    let keys = (0..<(len * dh)).map { _ in Float.random(in: -1..<1, using: &rng) }
                    let vals = (0..<(len * dh)).map { _ in Float.random(in: -1..<1, using: &rng) }
                    let scale = 1 / Float(dh).squareRoot()
                    let ref = Self.exact(q, keys, vals, len: len, dh: dh, scale: scale)
                    for path in supportedPaths {
                        let out = Self.attend(q, keys, vals, len: len, dh: dh, scale: scale, path: path)
                        for d in 0..<dh {
                            let tol = Self.bound(ref, vals: vals, len: len, dh: dh, d: d)
                            let err = Swift.abs(Double(out[d]) - ref.out[d])
                            #expect(err <= tol, "path \(pathName(path)) dh \(dh) len \(len) spread \(spread) d \(d): |Δ| \(err) > \(tol)")
                        }
                    }
                }
            }
        }
    }

    /// The worst-case error of out[d] against exact arithmetic, to first order in u (u = 2⁻²⁴):
    /// - score j is a float dot of dh products times scale: off by at most δ_j; the maximum by at most δ_max;
    /// - its weight e_j = exp(s_j − max) then has relative error ≤ δ_j + δ_max (the exponent's error) + u·|x_j| (the
    ///   rounding of the difference x_j = s_j − max, times d exp/dx / exp = 1) + ε_exp, where ε_exp = 9u covers both
    ///   exps: glibc's expf is within 1 ulp (2u); the AVX2 polynomial has 8 FMA roundings on a value in [0.7, 1.42]
    ///   (8u), u·0.35 from reducing the argument, and truncation below u/10;
    /// - out = Σ e_j·v_j / Σ e_j: each weight's relative error ρ_j enters the numerator and the normalizer, so the
    ///   result moves by at most 2·max ρ_j · Σ P_j|v_j|; the two sums of len terms add γ_len·Σ P_j|v_j| each, and
    ///   the reciprocal and the final product 2u.
    /// The test allows twice this first-order bound for the second-order terms it leaves out, plus len·1.7e-38·max|v|
    /// for the weights below e^−87 that the AVX2 exp flushes to its clamp (far below any other term).
    static func bound(_ ref: (out: [Double], p: [Double], delta: [Double], shifted: [Double]), vals: [Float], len: Int,
                      dh: Int, d: Int) -> Double {
        let u = FloatBounds.u, dMax = ref.delta.max()!
        var rho = 0.0, weighted = 0.0, vmax = 0.0
        for j in 0..<len {
            rho = max(rho, ref.delta[j] + dMax + u * Swift.abs(ref.shifted[j]) + 9 * u)
            weighted += ref.p[j] * Swift.abs(Double(vals[j * dh + d]))
            vmax = max(vmax, Swift.abs(Double(vals[j * dh + d])))
        }
        let firstOrder = (2 * rho + 2 * FloatBounds.gamma(len) + 2 * u) * weighted
        return 2 * firstOrder + Double(len) * 1.7e-38 * vmax
    }

    @Test("a result depends only on its query, keys, values, length and scale: scratch contents and path repeats do not change a bit")
    func deterministic() {
        var rng = SplitMix64(seed: 5)
        let dh = 32, len = 77
        let q = (0..<dh).map { _ in Float.random(in: -1..<1, using: &rng) }
        let keys = (0..<(len * dh)).map { _ in Float.random(in: -1..<1, using: &rng) }
        let vals = (0..<(len * dh)).map { _ in Float.random(in: -1..<1, using: &rng) }
        for path in supportedPaths {
            let first = Self.attend(q, keys, vals, len: len, dh: dh, scale: 0.2, path: path)
            var out = [Float](repeating: 0, count: dh), scores = [Float](repeating: 1e30, count: len)
            _ = withConfig(path: path, threads: 1) { cfg in ci8_attend(q, keys, vals, len, dh, 0.2, &scores, &out, cfg) }
            #expect(zip(first, out).allSatisfy { $0.bitPattern == $1.bitPattern }, "path \(pathName(path))")
        }
    }

    @Test("bad arguments are refused: an empty cache, a zero head size, null pointers")
    func badArguments() {
        let q = [Float](repeating: 1, count: 4), kv = [Float](repeating: 1, count: 8)
        var out = [Float](repeating: 0, count: 4), scores = [Float](repeating: 0, count: 2)
        #expect(ci8_attend(q, kv, kv, 0, 4, 1, &scores, &out, nil) == Int32(CI8_EINVAL))
        #expect(ci8_attend(q, kv, kv, 2, 0, 1, &scores, &out, nil) == Int32(CI8_EINVAL))
        #expect(ci8_attend(nil, kv, kv, 2, 4, 1, &scores, &out, nil) == Int32(CI8_EINVAL))
        #expect(ci8_attend(q, kv, kv, 2, 4, 1, &scores, &out, nil) == ok)
        #expect(out.allSatisfy { $0 == 1 })   // equal keys: uniform weights over values that are all 1
    }
}
