// Bit-exactness of every available int8 path against the plain scalar reference: odd shapes, long K, extremes.
import CInt8
import TestSupport
import Testing

@Suite("CInt8 int32 exactness")
struct GemmExactnessTests {
    static let ms = [1, 2, 5, 7, 13, 65]
    static let ns = [1, 3, 17, 63, 65, 129]
    static let ks = [1, 3, 4, 5, 63, 129, 1000]

    @Test("every path equals the scalar reference on shapes that are multiples of no tile", arguments: supportedPaths)
    func randomShapes(path: Int32) {
        var rng = SplitMix64(seed: 0xC0FFEE ^ UInt64(path))
        for k in Self.ks {
            for n in Self.ns {
                let w = randomWeights(n, k, &rng)
                let p = Packed(w, n: n, k: k)
                for m in Self.ms {
                    let x = randomActs(m, k, &rng)
                    let ref = referenceS32(x, w, m: m, n: n, k: k)
                    let (rc, y) = gemmS32(x, p, m: m, path: path)
                    #expect(rc == ok)
                    #expect(mismatch(y, ref) == nil, "path \(pathName(path)) M=\(m) N=\(n) K=\(k)")
                }
            }
        }
    }

    @Test("long K (8192) on every path", arguments: supportedPaths)
    func longK(path: Int32) {
        var rng = SplitMix64(seed: 8192)
        let (m, n, k) = (7, 65, 8192)
        let w = randomWeights(n, k, &rng)
        let x = randomActs(m, k, &rng)
        let p = Packed(w, n: n, k: k)
        #expect(gemmProblem(x, w, p, m: m, path: path) == nil)
    }

    @Test("extreme values: weights +-127, activations x = -128 and 127 (u8 0 and 255)", arguments: supportedPaths)
    func extremes(path: Int32) {
        for k in [1, 4, 5, 1000, 8192] {
            let (m, n) = (7, 67)
            // All x = -128 against all w = -127: every product is +16256.
            do {
                let w = [Int8](repeating: -127, count: n * k)
                let x = [UInt8](repeating: 0, count: m * k)
                let (rc, y) = gemmS32(x, Packed(w, n: n, k: k), m: m, path: path)
                #expect(rc == ok)
                #expect(y.allSatisfy { $0 == Int32(16256 * k) }, "K=\(k)")
            }
            // All x = 127 against all w = 127: every product is +16129.
            do {
                let w = [Int8](repeating: 127, count: n * k)
                let x = [UInt8](repeating: 255, count: m * k)
                let (rc, y) = gemmS32(x, Packed(w, n: n, k: k), m: m, path: path)
                #expect(rc == ok)
                #expect(y.allSatisfy { $0 == Int32(16129 * k) }, "K=\(k)")
            }
            // Mixed extremes, checked against the reference.
            var rng = SplitMix64(seed: UInt64(k))
            let w = (0..<(n * k)).map { _ in Bool.random(using: &rng) ? Int8(127) : Int8(-127) }
            let x = (0..<(m * k)).map { _ in Bool.random(using: &rng) ? UInt8(255) : UInt8(0) }
            let (rc, y) = gemmS32(x, Packed(w, n: n, k: k), m: m, path: path)
            #expect(rc == ok)
            #expect(mismatch(y, referenceS32(x, w, m: m, n: n, k: k)) == nil, "K=\(k)")
        }
    }

    @Test("K = CI8_MAX_K with the largest products does not overflow", arguments: supportedPaths)
    func maxK(path: Int32) {
        let k = Int(CI8_MAX_K)
        let w = [Int8](repeating: -127, count: 2 * k)
        let x = [UInt8](repeating: 0, count: k)
        let (rc, y) = gemmS32(x, Packed(w, n: 2, k: k), m: 1, path: path)
        #expect(rc == ok)
        #expect(y == [Int32(128 * 127 * k), Int32(128 * 127 * k)])
    }

    @Test("the AVX2 path cannot saturate vpmaddubsw: worst-case pairs for every sign combination",
          .enabled(if: ci8_path_supported(CI8_PATH_AVX2.rawValue) != 0, "this CPU has no AVX2"))
    func avx2NoSaturation() {
        let avx2 = CI8_PATH_AVX2.rawValue
        // u8*s8 pair sums would reach 2*255*127 = 64770 for u = 255, w = 127; in the |x|*sign(w,x) form the
        // largest pair is 2*128*127 = 32512 (x = -128, w = -127). Cover all four sign combinations at full size.
        let k = 1024
        for (xv, wv) in [(UInt8(255), Int8(127)), (UInt8(0), Int8(-127)), (UInt8(0), Int8(127)), (UInt8(255), Int8(-127))] {
            let x = [UInt8](repeating: xv, count: 3 * k)
            let w = [Int8](repeating: wv, count: 5 * k)
            let (rc, y) = gemmS32(x, Packed(w, n: 5, k: k), m: 3, path: avx2)
            #expect(rc == ok)
            let expected = Int32((Int(xv) - 128) * Int(wv) * k)
            #expect(y.allSatisfy { $0 == expected }, "x=\(Int(xv) - 128) w=\(wv)")
        }
        // Alternating pairs within one group of 4 (+,-,+,-) so that pair sums partly cancel and partly add.
        var rng = SplitMix64(seed: 77)
        let w = (0..<(9 * k)).map { i in i % 2 == 0 ? Int8(-127) : Int8(Bool.random(using: &rng) ? 127 : -127) }
        let x = (0..<(4 * k)).map { i in i % 3 == 0 ? UInt8(0) : UInt8(255) }
        let (rc, y) = gemmS32(x, Packed(w, n: 9, k: k), m: 4, path: avx2)
        #expect(rc == ok)
        #expect(mismatch(y, referenceS32(x, w, m: 4, n: 9, k: k)) == nil)
    }

    @Test("the documented packed layout and column sums")
    func packedLayout() {
        let (n, k) = (70, 6)
        let w = (0..<(n * k)).map { i in Int8((i * 37) % 255 - 127) }
        let p = Packed(w, n: n, k: k)
        #expect(ci8_packed_n(p.ptr) == n && ci8_packed_k(p.ptr) == k)
        #expect(ci8_packed_bytes(p.ptr) == 128 * 8)
        let data = ci8_packed_data(p.ptr)!
        let sums = ci8_packed_colsums(p.ptr)!
        let kg = 2
        for j in 0..<128 {
            var s: Int32 = 0
            for kk in 0..<8 {
                let byte = data[(j / 64) * kg * 256 + (kk / 4) * 256 + (j % 64) * 4 + kk % 4]
                let expected: Int8 = (j < n && kk < k) ? w[j * k + kk] : 0
                #expect(byte == expected, "j=\(j) k=\(kk)")
                s += Int32(expected)
            }
            #expect(sums[j] == s)
        }
    }
}
