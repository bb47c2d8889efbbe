// Float epilogue (scales, bias, ReLU, erf-GELU) and fused dynamic/static activation quantization against references.
import CInt8
import Foundation
import TestSupport
import Testing

@Suite("CInt8 epilogue and quantization")
struct EpilogueQuantTests {
    static let acts: [ci8_act] = [CI8_ACT_NONE, CI8_ACT_RELU, CI8_ACT_GELU]

    @Test("float epilogue matches the int32 reference through a float computation", arguments: supportedPaths)
    func epilogue(path: Int32) {
        var rng = SplitMix64(seed: 0xE9 ^ UInt64(path))
        let (m, n, k) = (13, 129, 131)
        let w = randomWeights(n, k, &rng)
        let x = randomActs(m, k, &rng)
        let p = Packed(w, n: n, k: k)
        let d = referenceS32(x, w, m: m, n: n, k: k)
        let sxRows = (0..<m).map { _ in Float.random(in: 0.001...0.1, using: &rng) }
        let sw = (0..<n).map { _ in Float.random(in: 0.0005...0.05, using: &rng) }
        let bias = (0..<n).map { _ in Float.random(in: -2...2, using: &rng) }
        for act in Self.acts {
            for perRow in [true, false] {
                for withBias in [true, false] {
                    let rows = perRow ? sxRows : nil
                    let b = withBias ? bias : nil
                    let (rc, y) = gemmF32(x, p, m: m, sxRows: rows, sx: 0.03, sw: sw, bias: b, act: act, path: path)
                    #expect(rc == ok)
                    // The scalar float epilogue applied to the exact int32 results.
                    var yref = [Float](repeating: 0, count: m * n)
                    d.withUnsafeBufferPointer { dp in
                        withOptionalPointer(rows) { rp in
                            withOptionalPointer(b) { bp in
                                ci8_reference_epilogue(dp.baseAddress, m, n, n, rp, 0.03, sw, bp,
                                                       Int32(act.rawValue), &yref, n)
                            }
                        }
                    }
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<n {
                            let sxi = rows?[i] ?? 0.03
                            let bj = b?[j] ?? 0
                            let exact = exactEpilogue(d[i * n + j], sx: sxi, sw: sw[j], b: bj, act: act)
                            let mag = abs(Double(d[i * n + j]) * Double(sxi) * Double(sw[j])) + abs(Double(bj))
                            worst = max(worst, abs(Double(y[i * n + j]) - exact) / (mag + 1e-30))
                        }
                    }
                    #expect(worst <= 2e-6, "act \(act.rawValue) perRow \(perRow) bias \(withBias): rel err \(worst)")
                    if act != CI8_ACT_GELU {
                        // Same fma formula in every tier: bit-identical to the scalar epilogue.
                        #expect(mismatch(y, yref) == nil, "act \(act.rawValue) perRow \(perRow) bias \(withBias)")
                    }
                }
            }
        }
    }

    /// Dynamic quantization computed independently in Swift: s = max|x|/127, q = roundeven(x/s) clamped, + 128.
    static func swiftDynamic(_ row: ArraySlice<Float>) -> (Float, [UInt8]) {
        let mx = row.reduce(Float(0)) { max($0, abs($1)) }
        let s = mx / 127
        if s == 0 { return (0, [UInt8](repeating: 128, count: row.count)) }
        return (s, row.map { UInt8(Int(min(max(($0 / s).rounded(.toNearestOrEven), -127), 127)) + 128) })
    }

    @Test("dynamic per-row quantization equals the scalar reference and a Swift computation exactly")
    func dynamicQuant() {
        var rng = SplitMix64(seed: 5)
        for k in [1, 3, 15, 16, 17, 64, 1000, 1031] {
            let m = 9
            var x = (0..<(m * k)).map { _ in Float.random(in: -3...3, using: &rng) * Float(pow(10.0, Double(Int.random(in: -3...3, using: &rng)))) }
            for j in 0..<k { x[2 * k + j] = 0 } // an all-zero row
            if k >= 8 { // exact ties: max 127 gives s = 1, so x.5 values round half to even
                let ties: [Float] = [127, 2.5, -2.5, 3.5, -3.5, 0.5, -0.5, 126.5]
                for j in 0..<8 { x[3 * k + j] = ties[j] }
                for j in 8..<k { x[3 * k + j] = 1 }
            }
            var q = [UInt8](repeating: 0, count: m * k), qr = q
            var s = [Float](repeating: -1, count: m), sr = s
            #expect(ci8_quantize_dynamic(x, m, k, k, &q, k, &s) == ok)
            #expect(ci8_quantize_dynamic_ref(x, m, k, k, &qr, k, &sr) == ok)
            #expect(mismatch(q, qr) == nil, "K=\(k)")
            #expect(s == sr, "K=\(k)")
            for i in 0..<m {
                let (ss, qs) = Self.swiftDynamic(x[(i * k)..<(i * k + k)])
                #expect(s[i] == ss && Array(q[(i * k)..<(i * k + k)]) == qs, "row \(i) K=\(k)")
            }
            if k >= 8 {
                #expect(Array(q[(3 * k)..<(3 * k + 8)]).map { Int($0) - 128 } == [127, 2, -2, 4, -4, 0, 0, 126])
            }
        }
    }

    @Test("static per-tensor quantization equals the scalar reference and clamps to [-127, 127]")
    func staticQuant() {
        var rng = SplitMix64(seed: 6)
        let (m, k) = (5, 1003)
        let x = (0..<(m * k)).map { _ in Float.random(in: -2...2, using: &rng) }
        let sx: Float = 0.01 // |x| up to 200 steps: clamps
        var q = [UInt8](repeating: 0, count: m * k), qr = q
        #expect(ci8_quantize_static(x, m, k, k, sx, &q, k) == ok)
        #expect(ci8_quantize_static_ref(x, m, k, k, sx, &qr, k) == ok)
        #expect(mismatch(q, qr) == nil)
        let qs = x.map { UInt8(Int(min(max(($0 / sx).rounded(.toNearestOrEven), -127), 127)) + 128) }
        #expect(mismatch(q, qs) == nil)
        #expect(q.contains(1) && q.contains(255) && !q.contains(0))
        #expect(ci8_quantize_static(x, m, k, k, 0, &q, k) == Int32(CI8_EINVAL))
    }

    @Test("fused dynamic and static linear equal quantize-then-GEMM on the same path", arguments: supportedPaths)
    func fusedLinear(path: Int32) {
        var rng = SplitMix64(seed: 0xF00D ^ UInt64(path))
        let (m, n, k) = (14, 130, 77)
        let w = randomWeights(n, k, &rng)
        let p = Packed(w, n: n, k: k)
        let x = (0..<(m * k)).map { _ in Float.random(in: -4...4, using: &rng) }
        let sw = (0..<n).map { _ in Float.random(in: 0.001...0.02, using: &rng) }
        let bias = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
        for act in Self.acts {
            // Dynamic.
            var q = [UInt8](repeating: 0, count: m * k)
            var sr = [Float](repeating: 0, count: m)
            #expect(ci8_quantize_dynamic_ref(x, m, k, k, &q, k, &sr) == ok)
            let (rc0, expected) = gemmF32(q, p, m: m, sxRows: sr, sx: 0, sw: sw, bias: bias, act: act, path: path)
            #expect(rc0 == ok)
            var y = [Float](repeating: .nan, count: m * n)
            var sOut = [Float](repeating: -1, count: m)
            let rc = withConfig(path: path, threads: 2) { cfg in
                ci8_linear_dynamic(x, m, k, p.ptr, sw, bias, Int32(act.rawValue), &y, n, &sOut, cfg)
            }
            #expect(rc == ok)
            #expect(sOut == sr)
            #expect(mismatch(y, expected) == nil, "dynamic act \(act.rawValue)")
            // Static.
            let sx: Float = 4.0 / 127
            #expect(ci8_quantize_static_ref(x, m, k, k, sx, &q, k) == ok)
            let (rc1, expectedS) = gemmF32(q, p, m: m, sxRows: nil, sx: sx, sw: sw, bias: bias, act: act, path: path)
            #expect(rc1 == ok)
            let rc2 = withConfig(path: path, threads: 2) { cfg in
                ci8_linear_static(x, m, k, p.ptr, sx, sw, bias, Int32(act.rawValue), &y, n, cfg)
            }
            #expect(rc2 == ok)
            #expect(mismatch(y, expectedS) == nil, "static act \(act.rawValue)")
        }
    }
}
