// The AVX2 kernels (vpmaddwd on int16 panels for M > 6, the vpsignb row kernel for M <= 6) against the scalar reference:
// ragged shapes, saturation worst cases, K split into cache blocks (accumulate mode), float in and out.
import CInt8
import TestSupport
import Testing

/// The dispatched path (whatever this CPU picks), forced AVX2 and forced scalar; AVX2 only where the CPU has it.
let dispatchedAndForced: [Int32] = [CI8_PATH_DEFAULT.rawValue, CI8_PATH_AVX2.rawValue, CI8_PATH_SCALAR.rawValue]
    .filter { $0 == CI8_PATH_DEFAULT.rawValue || ci8_path_supported($0) != 0 }

func describePath(_ p: Int32) -> String {
    p == CI8_PATH_DEFAULT.rawValue ? "dispatched (\(pathName(ci8_active_path())))" : pathName(p)
}

/// ci8_linear_dynamic or ci8_linear_static with an explicit path.
func linear(_ x: [Float], _ p: Packed, m: Int, staticScale: Float?, sw: [Float], bias: [Float], act: ci8_act,
            path: Int32) -> (Int32, [Float]) {
    var y = [Float](repeating: .nan, count: m * p.n)
    let rc = withConfig(path: path, threads: 2) { cfg in
        if let s = staticScale {
            return ci8_linear_static(x, m, p.k, p.ptr, s, sw, bias, Int32(act.rawValue), &y, p.n, cfg)
        }
        return ci8_linear_dynamic(x, m, p.k, p.ptr, sw, bias, Int32(act.rawValue), &y, p.n, nil, cfg)
    }
    return (rc, y)
}

/// Float in, float out on the AVX2 and scalar paths of packed weights p, for random activations, weight scales and
/// bias, with and without ReLU, with dynamic and static activation scales: one line per combination whose calls fail
/// or whose outputs differ in any bit (the tiers share the quantizer and the fma epilogue, so no tolerance applies).
func floatPathProblems(_ p: Packed, m: Int, _ rng: inout SplitMix64) -> [String] {
    let avx2 = CI8_PATH_AVX2.rawValue, scalar = CI8_PATH_SCALAR.rawValue
    let x = (0..<(m * p.k)).map { _ in Float.random(in: -3...3, using: &rng) }
    let sw = (0..<p.n).map { _ in Float.random(in: 0.001...0.02, using: &rng) }
    let bias = (0..<p.n).map { _ in Float.random(in: -1...1, using: &rng) }
    var problems = [String]()
    for act in [CI8_ACT_NONE, CI8_ACT_RELU] {
        for s: Float? in [nil, 0.02] {
            let (rc1, y1) = linear(x, p, m: m, staticScale: s, sw: sw, bias: bias, act: act, path: avx2)
            let (rc2, y2) = linear(x, p, m: m, staticScale: s, sw: sw, bias: bias, act: act, path: scalar)
            let what = "act \(act.rawValue) static \(s.map { "\($0)" } ?? "no")"
            if rc1 != ok || rc2 != ok { problems.append("\(what): return codes \(rc1), \(rc2)") }
            else if let d = mismatch(y1, y2) { problems.append("\(what): \(d)") }
        }
    }
    return problems
}

@Suite("CInt8 AVX2 kernels", .serialized)
struct Avx2KernelTests {
    static let ms = Array(1...13) // 1..6: the row kernel; 7..13: the vpmaddwd kernel with every m of a 6-row panel
    static let ks = [1, 2, 3, 4, 7, 256, 257, 258, 259] // every remainder mod 4, around one AVX2 cache block (256)
    static let ns = [1, 63, 64, 65, 129, 191]            // around multiples of the 64-column panel

    @Test("ragged M, K, N equal the scalar reference", arguments: dispatchedAndForced)
    func raggedShapes(path: Int32) {
        var rng = SplitMix64(seed: 0xA2 ^ UInt64(bitPattern: Int64(path)))
        for k in Self.ks {
            for n in Self.ns {
                let w = randomWeights(n, k, &rng)
                let p = Packed(w, n: n, k: k)
                for m in Self.ms {
                    let x = randomActs(m, k, &rng)
                    #expect(gemmProblem(x, w, p, m: m, path: path) == nil,
                            "path \(describePath(path)) M=\(m) N=\(n) K=\(k)")
                }
            }
        }
    }

    @Test("saturation worst cases for both AVX2 kernels: every sign combination at full magnitude",
          arguments: dispatchedAndForced)
    func saturationWorstCases(path: Int32) {
        // u8*s8 pairs would reach 2*255*127 = 64770 (u = 255, w = 127), beyond int16; the row kernel's |x|*sign(w, x)
        // pairs stay within 2*128*127 = 32512 and the vpmaddwd kernel multiplies int16 into int32. M = 1..6 run the
        // row kernel, M = 7 and 12 the vpmaddwd kernel (7: a full panel and a 1-row panel).
        for m in [1, 2, 6, 7, 12] {
            for k in [1, 3, 4, 5, 1024] {
                for (xv, wv) in [(UInt8(255), Int8(127)), (UInt8(0), Int8(-127)), (UInt8(0), Int8(127)),
                                 (UInt8(255), Int8(-127)), (UInt8(128), Int8(127))] {
                    let x = [UInt8](repeating: xv, count: m * k)
                    let w = [Int8](repeating: wv, count: 65 * k)
                    let (rc, y) = gemmS32(x, Packed(w, n: 65, k: k), m: m, path: path)
                    #expect(rc == ok)
                    let expected = Int32((Int(xv) - 128) * Int(wv) * k)
                    #expect(y.allSatisfy { $0 == expected }, "\(describePath(path)) M=\(m) K=\(k) x=\(Int(xv) - 128) w=\(wv)")
                }
            }
            // Alternating extremes inside each group of 4, so pair sums partly cancel and partly add.
            var rng = SplitMix64(seed: UInt64(m))
            let k = 1027
            let w = (0..<(67 * k)).map { i in i % 2 == 0 ? Int8(-127) : Int8(Bool.random(using: &rng) ? 127 : -127) }
            let x = (0..<(m * k)).map { i in i % 3 == 0 ? UInt8(0) : UInt8(255) }
            let (rc, y) = gemmS32(x, Packed(w, n: 67, k: k), m: m, path: path)
            #expect(rc == ok)
            #expect(mismatch(y, referenceS32(x, w, m: m, n: 67, k: k)) == nil, "\(describePath(path)) M=\(m)")
        }
    }

    @Test("K split into cache blocks (accumulate mode) equals the reference", arguments: dispatchedAndForced)
    func accumulateMode(path: Int32) {
        defer { ci8_set_blocking(0, 0, 0) }
        var rng = SplitMix64(seed: 0xACC)
        for (kc, mc, nc) in [(4, 6, 1), (260, 12, 2), (1024, 0, 0)] {
            ci8_set_blocking(Int32(kc), Int32(mc), Int32(nc))
            for (m, k, n) in [(1, 9, 65), (1, 1001, 130), (2, 523, 65), (6, 523, 129), (7, 523, 65), (13, 1031, 129)] {
                let w = randomWeights(n, k, &rng)
                let x = randomActs(m, k, &rng)
                let (rc, y) = gemmS32(x, Packed(w, n: n, k: k), m: m, path: path)
                #expect(rc == ok)
                #expect(mismatch(y, referenceS32(x, w, m: m, n: n, k: k)) == nil,
                        "\(describePath(path)) KC=\(kc) MC=\(mc) NC=\(nc) M=\(m) K=\(k) N=\(n)")
            }
        }
    }

    @Test("float in, float out (dynamic and static quantization into int16 panels) is bit-identical to scalar",
          .enabled(if: ci8_path_supported(CI8_PATH_AVX2.rawValue) != 0, "this CPU has no AVX2: nothing to compare"))
    func floatPathMatchesScalar() {
        var rng = SplitMix64(seed: 0xF1)
        // Without GELU every tier uses the same quantizer and the same fma epilogue, and both kernels produce the
        // exact int32 dot products, so the outputs must be equal bit for bit (no tolerance is involved).
        for (m, k, n) in [(1, 5, 63), (2, 259, 65), (5, 1, 129), (6, 64, 64), (7, 258, 191), (13, 1027, 193)] {
            let p = Packed(randomWeights(n, k, &rng), n: n, k: k)
            let problems = floatPathProblems(p, m: m, &rng)
            #expect(problems.isEmpty, "M=\(m) K=\(k) N=\(n): \(problems.joined(separator: "; "))")
        }
    }

    @Test("the scalar path has no peak loop")
    func scalarHasNoPeak() {
        #expect(ci8_path_peak_gops(CI8_PATH_SCALAR.rawValue, 1000, 1) == 0)
        #expect(String(cString: ci8_path_peak_loop(CI8_PATH_SCALAR.rawValue)) == "none")
    }

    @Test("the AVX2 peak loop runs where the CPU has AVX2",
          .enabled(if: ci8_path_supported(CI8_PATH_AVX2.rawValue) != 0, "this CPU has no AVX2"))
    func avx2PeakLoop() {
        #expect(ci8_path_peak_gops(CI8_PATH_AVX2.rawValue, 1000, 1) > 0)
        #expect(String(cString: ci8_path_peak_loop(CI8_PATH_AVX2.rawValue)) == "vpmaddubsw+vpmaddwd+vpaddd ymm")
    }
}
