// BLASTests: the sgemm wrapper against a naive Double triple loop, all transposes, ragged shapes, padded strides.
import Testing
import TestSupport
@testable import CondenseCore

@Suite("BLAS")
struct BLASTests {
    static let cases: [(Int, Int, Int, Bool, Bool)] = [(1, 1, 1), (7, 13, 5), (33, 65, 17), (64, 3, 130)].flatMap { s in
        [(false, false), (true, false), (false, true), (true, true)].map { (s.0, s.1, s.2, $0.0, $0.1) }
    }

    @Test("sgemm = naive loops", arguments: cases)
    func sgemm(shape: (Int, Int, Int, Bool, Bool)) {
        let (m, n, k, ta, tb) = shape
        // stored shapes, with leading dimensions padded by 3 to exercise lda/ldb/ldc
        let (ar, ac) = ta ? (k, m) : (m, k), (br, bc) = tb ? (n, k) : (k, n)
        let lda = ac + 3, ldb = bc + 3, ldc = n + 3
        let a = GradCheck.randn([ar, lda], seed: 1), b = GradCheck.randn([br, ldb], seed: 2)
        let c0 = GradCheck.randn([m, ldc], seed: 3), c = c0.copy()
        let alpha: Float = 0.75, beta: Float = -0.5
        BLAS.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: a.data, lda: lda, b: b.data, ldb: ldb,
                   beta: beta, c: c.data, ldc: ldc)
        // Each element is α·(a k-term dot product) + β·c0: in any order and blocking (OpenBLAS's kernel, and so its
        // order, depends on the CPU), within γ_{k+2}·(|α|·Σ|a·b| + |β|·|c0|) of the exact value (k + 2 roundings
        // on the longest chain: the k-term dot, the scaling by α, and the sum with β·c0). Worst error / bound ≤ 1.
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0, absSum = 0.0
                for p in 0..<k {
                    let av = ta ? a[p * lda + i] : a[i * lda + p]
                    let bv = tb ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(av) * Double(bv)
                    absSum += abs(Double(av) * Double(bv))
                }
                let want = Double(alpha) * s + Double(beta) * Double(c0[i * ldc + j])
                let bound = FloatBounds.dot(length: k + 2, absSum: abs(Double(alpha)) * absSum + abs(Double(beta) * Double(c0[i * ldc + j])))
                worst = max(worst, abs(Double(c[i * ldc + j]) - want) / bound)
            }
            // padding columns untouched
            for j in n..<ldc { #expect(c[i * ldc + j] == c0[i * ldc + j]) }
        }
        #expect(worst <= 1, "max error / derived bound \(worst)")
    }

    @Test("sgemv = naive loops, both transposes", arguments: [(1, 1), (7, 13), (33, 65), (40, 3)])
    func sgemv(shape: (Int, Int)) {
        let (m, n) = shape, lda = n + 2
        let a = GradCheck.randn([m, lda], seed: 4)
        for trans in [false, true] {
            let (xl, yl) = trans ? (m, n) : (n, m)
            let x = GradCheck.randn([xl], seed: 5), y0 = GradCheck.randn([yl], seed: 6), y = y0.copy()
            BLAS.sgemv(trans: trans, m: m, n: n, alpha: 1.5, a: a.data, lda: lda, x: x.data, beta: 0.25, y: y.data)
            for i in 0..<yl {
                var s = 0.0, absSum = 0.0
                for j in 0..<xl {
                    let t = Double(trans ? a[j * lda + i] : a[i * lda + j]) * Double(x[j])
                    s += t; absSum += abs(t)
                }
                let want = 1.5 * s + 0.25 * Double(y0[i])
                // as for sgemm: γ_{k+2}·(|α|·Σ|a·x| + |β|·|y0|), any order
                let bound = FloatBounds.dot(length: xl + 2, absSum: 1.5 * absSum + 0.25 * abs(Double(y0[i])))
                #expect(abs(Double(y[i]) - want) <= bound, "trans \(trans) row \(i)")
            }
        }
    }

    @Test("packed overload, beta = 0 ignores NaN in C, k = 0")
    func packedAndEdges() {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), b = Tensor(shape: [3, 2], values: [1, 0, 0, 1, 1, 1])
        let c = Tensor(shape: [2, 2], repeating: .nan)
        BLAS.sgemm(m: 2, n: 2, k: 3, a: a.data, b: b.data, c: c.data)
        #expect(c.array == [4, 5, 10, 11])
        let ct = Tensor(zeros: [3, 2])  // aᵀ (3,2)·c (2,2), a stored (2,3)
        BLAS.sgemm(transA: true, m: 3, n: 2, k: 2, a: a.data, b: c.data, c: ct.data)
        #expect(ct.array == [44, 49, 58, 65, 72, 81])
        BLAS.sgemm(m: 2, n: 2, k: 0, alpha: 1, a: a.data, b: b.data, beta: 0.5, c: c.data)
        #expect(c.array == [2, 2.5, 5, 5.5])
        BLAS.sgemm(m: 2, n: 2, k: 0, a: a.data, b: b.data, beta: 0, c: c.data)
        #expect(c.array == [0, 0, 0, 0])
    }

    @Test("thread count: set, get, and withThreads restores")
    func threads() {
        let before = BLAS.threads
        #expect(before >= 1)
        let inside = BLAS.withThreads(1) { BLAS.withThreads(1) { BLAS.threads } }
        #expect(inside == 1)
        #expect(BLAS.threads == before)
    }
}
