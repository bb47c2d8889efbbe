// The AVX2 narrow-weight kernel (weights in [-64, 63], vpmaddubsw on u8 panels) against the scalar reference: ragged
// shapes, K split into cache blocks, saturation worst cases, the narrow flag and the kernel the dispatch reports.
import CInt8
import TestSupport
import Testing

let avx2Supported = ci8_path_supported(CI8_PATH_AVX2.rawValue) != 0

func narrowWeights(_ n: Int, _ k: Int, _ rng: inout SplitMix64) -> [Int8] {
    (0..<(n * k)).map { _ in Int8(Int.random(in: -64...63, using: &rng)) }
}

func kernelName(_ path: Int32, m: Int, _ p: Packed) -> String { String(cString: ci8_kernel_name(path, m, p.ptr)) }

/// The kernel a path runs, for the test messages ("avx2 (avx2-narrow)").
func describeKernel(_ path: Int32, m: Int, _ p: Packed) -> String { "\(describePath(path)) [\(kernelName(path, m: m, p))]" }

@Suite("CInt8 AVX2 narrow-weight kernel", .serialized)
struct Avx2NarrowKernelTests {
    static let ms = Array(1...14) + [17, 23, 36, 50] // every m of a 6-row panel, several panels, up to 50
    static let ks = [1, 2, 3, 4, 7, 256, 257, 259, 1027] // every remainder mod 4, around one AVX2 cache block (256)
    static let ns = [1, 15, 16, 17, 63, 64, 65, 129, 191] // around the 16- and 32-column tiles and the 64-column panel

    @Test("narrow weights, ragged M, K, N: int32 results bit-identical to the scalar path", arguments: dispatchedAndForced)
    func raggedShapes(path: Int32) {
        var rng = SplitMix64(seed: 0x7B ^ UInt64(bitPattern: Int64(path)))
        for k in Self.ks {
            for n in Self.ns {
                let w = narrowWeights(n, k, &rng)
                let p = Packed(w, n: n, k: k)
                #expect(ci8_packed_narrow(p.ptr) == 1)
                for m in Self.ms {
                    let x = randomActs(m, k, &rng)
                    let (rc, y) = gemmS32(x, p, m: m, path: path)
                    let (rcs, ys) = gemmS32(x, p, m: m, path: CI8_PATH_SCALAR.rawValue)
                    #expect(rc == ok && rcs == ok)
                    #expect(mismatch(y, ys) == nil, "\(describeKernel(path, m: m, p)) M=\(m) N=\(n) K=\(k)")
                }
            }
        }
    }

    @Test("narrow weights, K split into cache blocks (accumulate mode), bit-identical to the scalar path",
          arguments: dispatchedAndForced)
    func accumulateMode(path: Int32) {
        defer { ci8_set_blocking(0, 0, 0) }
        var rng = SplitMix64(seed: 0x7BACC)
        for (kc, mc, nc) in [(4, 6, 1), (260, 12, 2), (1024, 0, 0), (0, 0, 0)] {
            ci8_set_blocking(Int32(kc), Int32(mc), Int32(nc))
            for (m, k, n) in [(1, 1001, 130), (2, 523, 65), (6, 523, 129), (7, 523, 65), (13, 1031, 129), (50, 777, 80)] {
                let w = narrowWeights(n, k, &rng)
                let p = Packed(w, n: n, k: k)
                let x = randomActs(m, k, &rng)
                #expect(gemmProblem(x, w, p, m: m, path: path) == nil,
                        "\(describeKernel(path, m: m, p)) KC=\(kc) MC=\(mc) NC=\(nc) M=\(m) K=\(k) N=\(n)")
            }
        }
    }

    @Test("worst cases never saturate: u = 0 or 255, w = -64 or 63, every sign combination", arguments: dispatchedAndForced)
    func saturationWorstCases(path: Int32) {
        // u8*s8 pair sums reach 2*255*(-64) = -32640 and 2*255*63 = 32130, inside int16: exact by construction.
        for m in [1, 2, 3, 6, 7, 12, 50] {
            for k in [1, 3, 4, 5, 1024] {
                for (xv, wv) in [(UInt8(255), Int8(63)), (UInt8(255), Int8(-64)), (UInt8(0), Int8(63)),
                                 (UInt8(0), Int8(-64)), (UInt8(128), Int8(-64))] {
                    let x = [UInt8](repeating: xv, count: m * k)
                    let w = [Int8](repeating: wv, count: 65 * k)
                    let p = Packed(w, n: 65, k: k)
                    let (rc, y) = gemmS32(x, p, m: m, path: path)
                    #expect(rc == ok)
                    let expected = Int32((Int(xv) - 128) * Int(wv) * k)
                    #expect(y.allSatisfy { $0 == expected }, "\(describeKernel(path, m: m, p)) M=\(m) K=\(k) u=\(xv) w=\(wv)")
                }
            }
            // Mixed extremes inside each group of 4, so pair sums partly cancel and partly add.
            var rng = SplitMix64(seed: 0x64 &+ UInt64(m))
            let k = 1027
            let w = (0..<(67 * k)).map { i in i % 2 == 0 ? Int8(-64) : (Bool.random(using: &rng) ? Int8(63) : Int8(-64)) }
            let x = (0..<(m * k)).map { _ in Bool.random(using: &rng) ? UInt8(0) : UInt8(255) }
            let p = Packed(w, n: 67, k: k)
            #expect(gemmProblem(x, w, p, m: m, path: path) == nil, "\(describeKernel(path, m: m, p)) M=\(m)")
        }
    }

    @Test("one weight of -65 or 64 anywhere makes the matrix non-narrow: the old AVX2 kernels run, still exact",
          arguments: dispatchedAndForced)
    func outsideRangeIsNotNarrow(path: Int32) {
        var rng = SplitMix64(seed: 0x65)
        let (n, k) = (129, 259)
        for bad in [Int8(-65), Int8(64)] {
            for at in [0, n * k / 2 + 7, n * k - 1] { // first, middle, last weight
                var w = narrowWeights(n, k, &rng)
                w[at] = bad
                let p = Packed(w, n: n, k: k)
                #expect(ci8_packed_narrow(p.ptr) == 0, "w=\(bad) at \(at)")
                for m in [1, 6, 7, 20] {
                    if path == CI8_PATH_AVX2.rawValue {
                        #expect(kernelName(path, m: m, p) == (m <= 6 ? "avx2-rows" : "avx2-vpmaddwd"), "M=\(m)")
                    }
                    let x = randomActs(m, k, &rng)
                    #expect(gemmProblem(x, w, p, m: m, path: path) == nil,
                            "\(describeKernel(path, m: m, p)) M=\(m) w=\(bad) at \(at)")
                }
            }
        }
    }

    @Test("the AVX2 dispatch picks the narrow kernel for narrow weights at every M",
          .enabled(if: avx2Supported, "this CPU has no AVX2: the narrow kernel cannot run"))
    func dispatchReportsNarrowKernel() {
        var rng = SplitMix64(seed: 0x6E)
        let narrow = Packed(narrowWeights(64, 8, &rng), n: 64, k: 8)
        let wide = Packed(randomWeights(64, 8, &rng).map { $0 == 0 ? 127 : $0 }, n: 64, k: 8)
        let avx2 = CI8_PATH_AVX2.rawValue, scalar = CI8_PATH_SCALAR.rawValue
        for m in [1, 2, 6, 7, 64, 1000] {
            #expect(kernelName(avx2, m: m, narrow) == "avx2-narrow", "M=\(m)")
            #expect(kernelName(avx2, m: m, wide) == (m <= 6 ? "avx2-rows" : "avx2-vpmaddwd"), "M=\(m)")
            #expect(kernelName(scalar, m: m, narrow) == "scalar", "M=\(m)")
        }
    }

    @Test("the narrow flag: [-64, 63] is narrow, the boundary values included")
    func narrowFlag() {
        #expect(ci8_packed_narrow(Packed([-64, 63, 0, 5], n: 2, k: 2).ptr) == 1)
        #expect(ci8_packed_narrow(Packed([-64, 64, 0, 5], n: 2, k: 2).ptr) == 0)
        #expect(ci8_packed_narrow(Packed([-65, 63, 0, 5], n: 2, k: 2).ptr) == 0)
        #expect(ci8_packed_narrow(nil) == 0)
    }

    @Test("float in, float out on narrow weights is bit-identical to scalar",
          .enabled(if: avx2Supported, "this CPU has no AVX2: nothing to compare"))
    func floatPathMatchesScalar() {
        let avx2 = CI8_PATH_AVX2.rawValue
        var rng = SplitMix64(seed: 0x7F1)
        for (m, k, n) in [(1, 5, 63), (2, 259, 65), (6, 64, 64), (7, 258, 191), (13, 1027, 193), (40, 300, 70)] {
            let p = Packed(narrowWeights(n, k, &rng), n: n, k: k)
            #expect(kernelName(avx2, m: m, p) == "avx2-narrow")
            let problems = floatPathProblems(p, m: m, &rng)
            #expect(problems.isEmpty, "avx2-narrow M=\(m) K=\(k) N=\(n): \(problems.joined(separator: "; "))")
        }
    }
}
