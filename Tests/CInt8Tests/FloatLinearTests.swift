// The decode float linear (ci8_flinear): every path against the plain reference on ragged shapes, and bit-identity across M.
import CInt8
import Foundation
import TestSupport
import Testing

@Suite("CInt8 decode float linear")
struct FloatLinearTests {
    /// Values in [−1, 1) from a seeded stream.
    static func floats(_ count: Int, _ rng: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1..<1, using: &rng) }
    }

    /// ci8_flinear with an explicit path and thread count; Y (M, N) starts as NaN so an unwritten output shows.
    static func flinear(_ x: [Float], m: Int, _ w: [Float], n: Int, k: Int, bias: [Float]?, path: Int32,
                        threads: Int32) -> [Float] {
        var y = [Float](repeating: .nan, count: m * n)
        let rc = withConfig(path: path, threads: threads) { cfg in
            ci8_flinear(x, m, k, w, n, k, k, bias, &y, n, cfg)
        }
        #expect(rc == ok)
        return y
    }

    static func reference(_ x: [Float], m: Int, _ w: [Float], n: Int, k: Int, bias: [Float]?) -> [Float] {
        var y = [Float](repeating: .nan, count: m * n)
        ci8_flinear_ref(x, m, k, w, n, k, k, bias, &y, n)
        return y
    }

    // K and N around every vector width (8, 16) and tile row count (1…8), plus the Shakespeare widths.
    static let shapes: [(k: Int, n: Int)] = [(1, 1), (7, 3), (9, 5), (15, 17), (16, 24), (17, 25), (33, 47),
                                             (100, 84), (256, 13), (257, 70)]

    /// Row counts: every tile (1…8), then the groups of 4 past 8 rows with every remainder (9…12), and more.
    static let rowCounts = Array(1...Int(CI8_FLINEAR_GROUP_M)) + [9, 10, 11, 12, 17, 33]

    @Test("every path equals the reference within the derived bound, on ragged K and N, M = 1…12, 17, 33, with and without bias")
    func againstReference() {
        var rng = SplitMix64(seed: 7)
        for (k, n) in Self.shapes {
            let w = Self.floats(n * k, &rng), b = Self.floats(n, &rng)
            for m in Self.rowCounts {
                let x = Self.floats(m * k, &rng)
                for bias in [nil, b] {
                    let ref = Self.reference(x, m: m, w, n: n, k: k, bias: bias)
                    for path in supportedPaths {
                        let y = Self.flinear(x, m: m, w, n: n, k: k, bias: bias, path: path, threads: 2)
                        for i in 0..<m {
                            for j in 0..<n {
                                // Tolerance: the kernel and the reference are two orders of one sum of K products and the bias
                                // (K + 1 terms, K sums): each lies within γ_{K+1}·Σ|terms| of the exact value, so they differ by at
                                // most twice that (FloatBounds.twoOrders). A wrong index or a dropped or doubled term moves the
                                // output by one whole |x·w| term, about 1/K of Σ|terms|: far above γ_{K+1} ≤ 1.6e-5 here.
                                var abs = Double(Swift.abs(bias?[j] ?? 0))
                                for t in 0..<k { abs += Double(Swift.abs(x[i * k + t] * w[j * k + t])) }
                                let tol = FloatBounds.twoOrders(length: k + 1, absSum: abs)
                                let d = Double(Swift.abs(y[i * n + j] - ref[i * n + j]))
                                #expect(d <= tol, "path \(pathName(path)) K \(k) N \(n) M \(m) (\(i), \(j)): |Δ| \(d) > \(tol)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("a call with M rows gives bit for bit the M one-row calls, on every path and thread count")
    func bitIdenticalAcrossM() {
        var rng = SplitMix64(seed: 11)
        for (k, n) in Self.shapes + [(256, 768), (1024, 256)] {
            let w = Self.floats(n * k, &rng), b = Self.floats(n, &rng)
            let rows = Self.rowCounts.max()!
            let x = Self.floats(rows * k, &rng)
            for path in supportedPaths {
                // The one-row results, single-threaded: the order every M must reproduce.
                let single = (0..<rows).map { i in
                    Self.flinear(Array(x[(i * k)..<((i + 1) * k)]), m: 1, w, n: n, k: k, bias: b, path: path, threads: 1)
                }
                for m in Self.rowCounts {
                    for threads: Int32 in [1, 2, 3] {
                        let y = Self.flinear(Array(x[0..<(m * k)]), m: m, w, n: n, k: k, bias: b, path: path, threads: threads)
                        for i in 0..<m {
                            let same = zip(y[(i * n)..<((i + 1) * n)], single[i]).allSatisfy { $0.bitPattern == $1.bitPattern }
                            #expect(same, "path \(pathName(path)) K \(k) N \(n) M \(m) threads \(threads): row \(i) differs from its one-row call")
                        }
                    }
                }
            }
        }
    }

    @Test("bad arguments are refused: zero sizes, short strides")
    func badArguments() {
        let x = [Float](repeating: 1, count: 9 * 4), w = [Float](repeating: 1, count: 4 * 4)
        var y = [Float](repeating: 0, count: 9 * 4)
        #expect(ci8_flinear(x, 0, 4, w, 4, 4, 4, nil, &y, 4, nil) == Int32(CI8_EINVAL))
        #expect(ci8_flinear(x, 1, 4, w, 0, 4, 4, nil, &y, 4, nil) == Int32(CI8_EINVAL))
        #expect(ci8_flinear(x, 1, 3, w, 4, 4, 4, nil, &y, 4, nil) == Int32(CI8_EINVAL))
        #expect(ci8_flinear(x, 1, 4, w, 4, 4, 4, nil, &y, 3, nil) == Int32(CI8_EINVAL))
        #expect(ci8_flinear(x, 2, 4, w, 4, 4, 4, nil, &y, 4, nil) == ok)
        #expect(y[0..<8].allSatisfy { $0 == 4 })
    }
}
