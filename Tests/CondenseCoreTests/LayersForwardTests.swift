// LayersForwardTests: each layer's forward against a naive Double reference, plus dropout statistics and GradCheck's own teeth.
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite("Layers forward")
struct LayersForwardTests {

    @Test("linear = x·Wᵀ + b (one row takes the gemv path)", arguments: [9, 1])
    func linear(n: Int) {
        let c = 7, oc = 5
        let x = GradCheck.randn([n, c], seed: 1), w = GradCheck.randn([oc, c], seed: 2), b = GradCheck.randn([oc], seed: 3)
        let out = Tensor(shape: [n, oc], repeating: .nan)
        linearForward(out: out.data, inp: x.data, weight: w.data, bias: b.data, n: n, c: c, oc: oc)
        for i in 0..<n {
            for o in 0..<oc {
                let want = (0..<c).reduce(Double(b[o])) { $0 + Double(x[i * c + $1]) * Double(w[o * c + $1]) }
                // a c-term dot product plus the bias, in whatever order BLAS (gemm or gemv) takes: γ_{c+1}·Σ|terms|
                let absSum = abs(Double(b[o])) + (0..<c).reduce(0.0) { $0 + abs(Double(x[i * c + $1]) * Double(w[o * c + $1])) }
                #expect(abs(Double(out[i * oc + o]) - want) <= FloatBounds.dot(length: c + 1, absSum: absSum))
            }
        }
    }

    @Test("gelu matches 0.5·x·(1 + erf(x/√2)) in Double; relu")
    func activations() {
        let n = 1000
        let x = GradCheck.randn([n], std: 3, seed: 4), out = Tensor(zeros: [n])
        geluForward(out: out.data, inp: x.data, n: n)
        for i in 0..<n {
            let v = Double(x[i])
            // out = 0.5·x·(1 + erf̂(x·c)): erf̂ is within TensorTests.erfBound (absolute); x·c rounds twice (2u·|z|,
            // times erf′ ≤ 1.13·e^(−z²), so < 0.7u), 1 + erf rounds by ≤ 2u, and the products by u·|out| ≤ u·|x|.
            let bound = 0.5 * abs(v) * (TensorTests.erfBound + 0.7 * FloatBounds.u + 2 * FloatBounds.u) + FloatBounds.u * abs(v)
            #expect(abs(Double(out[i]) - 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot()))) <= bound)
        }
        reluForward(out: out.data, inp: x.data, n: n)
        #expect(out.array == x.array.map { max($0, 0) })
        reluForward(out: x.data, inp: x.data, n: n)  // in place
        #expect(out.array == x.array)
    }

    @Test("layernorm: normalised rows, saved mean and rstd")
    func layerNorm() {
        let n = 4, c = 37
        let x = GradCheck.randn([n, c], std: 3, seed: 5), w = GradCheck.randn([c], seed: 6), b = GradCheck.randn([c], seed: 7)
        let out = Tensor(zeros: [n, c]), mean = Tensor(zeros: [n]), rstd = Tensor(zeros: [n])
        for i in 0..<c { x[c + i] += 100 }  // a large offset must not hurt precision
        layerNormForward(out: out.data, mean: mean.data, rstd: rstd.data, inp: x.data, weight: w.data, bias: b.data, n: n, c: c)
        for r in 0..<n {
            let row = (0..<c).map { Double(x[r * c + $0]) }
            let m = row.reduce(0, +) / Double(c)
            let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(c)
            let s = 1 / (v + 1e-5).squareRoot()
            // Derived first-order bounds, u = 2⁻²⁴. mean = Σx / c: |Δm| ≤ γ_{c+1}·Σ|x|/c. The variance sums the
            // rounded squares of d = x − m̂: γ_{c+4} relative (sum, square, the rounding of d, the division by c),
            // plus c·Δm²/Σ(x − m)² (the Δm term of first order cancels, since Σ(x − m) = 0). rstd = 1/√(v + eps) halves
            // that and adds 3u (the eps sum, √, 1/·). out = d·rstd·w + b adds u·|d| from d and three roundings.
            let u = FloatBounds.u, absMean = row.reduce(0) { $0 + abs($1) } / Double(c), s2 = v * Double(c)
            let dm = FloatBounds.dot(length: c + 1, absSum: absMean)
            let relV = FloatBounds.gamma(c + 4) + Double(c) * dm * dm / s2, relS = relV / 2 + 3 * u
            #expect(abs(Double(mean[r]) - m) <= dm)
            #expect(abs(Double(rstd[r]) - s) <= relS * s)
            for j in 0..<c {
                let want = (row[j] - m) * s * Double(w[j]) + Double(b[j]), scaled = abs(row[j] - m) * s * abs(Double(w[j]))
                let bound = (dm + u * abs(row[j] - m)) * s * abs(Double(w[j])) + scaled * (relS + 2 * u) + u * (scaled + abs(Double(b[j])))
                #expect(abs(Double(out[r * c + j]) - want) <= bound, "row \(r) col \(j)")
            }
        }
    }

    @Test("encoder = wte[idx] + wpe[t]")
    func encoder() {
        let b = 2, t = 3, c = 5
        let wte = GradCheck.randn([4, c], seed: 8), wpe = GradCheck.randn([t, c], seed: 9), out = Tensor(zeros: [b, t, c])
        let idx: [Int32] = [3, 0, 3, 1, 2, 0]
        idx.withUnsafeBufferPointer { encoderForward(out: out.data, idx: $0.baseAddress!, wte: wte.data, wpe: wpe.data, b: b, t: t, c: c) }
        for bt in 0..<(b * t) {
            for j in 0..<c { #expect(out[bt * c + j] == wte[Int(idx[bt]) * c + j] + wpe[(bt % t) * c + j]) }
        }
    }

    /// Naive causal attention in Double: out (B,T,H·Dh) and probabilities (B,H,T,T), with a derived bound on the
    /// float32 error of each (outBound, attBound: absolute), first order, u = 2⁻²⁴:
    /// - score s_j = (q·k_j)·scale: a Dh-term dot in BLAS (any order, γ_Dh·Σ|q·k|), scaled (2u: the constant, the product);
    /// - softmax of row i (i + 1 entries): s_j − m rounds (u·|s_j − m| ≤ u·range), simdExp adds ≤ 8u, the normalizer is a
    ///   weighted mean of those errors plus γ_{i+1}, and 1/Σ and the product add 2u; so a probability's relative error is
    ///   ≤ 2·(ε_s + u·range + 8u) + γ_{i+1} + 2u, with ε_s the largest score error of the row;
    /// - out = Σ_j p_j·v_j (i + 1 terms, BLAS): those relative errors, plus γ_{i+1}, times Σ_j p_j·|v_j|.
    static func referenceAttention(_ qkv: Tensor, b: Int, t: Int, h: Int, dh: Int)
        -> (out: [Double], att: [Double], outBound: [Double], attBound: [Double]) {
        let hd = h * dh, c3 = 3 * hd, u = FloatBounds.u
        var out = [Double](repeating: 0, count: b * t * hd), att = [Double](repeating: 0, count: b * h * t * t)
        var outBound = out, attBound = att
        for bi in 0..<b {
            for hi in 0..<h {
                for i in 0..<t {
                    var s = [Double](repeating: 0, count: i + 1), scoreErr = 0.0
                    for j in 0...i {
                        var absSum = 0.0
                        for d in 0..<dh {
                            let term = Double(qkv[(bi * t + i) * c3 + hi * dh + d]) * Double(qkv[(bi * t + j) * c3 + hd + hi * dh + d])
                            s[j] += term; absSum += abs(term)
                        }
                        s[j] /= Double(dh).squareRoot()
                        scoreErr = max(scoreErr, FloatBounds.dot(length: dh, absSum: absSum) / Double(dh).squareRoot() + 2 * u * abs(s[j]))
                    }
                    let m = s.max()!, e = s.map { Foundation.exp($0 - m) }, z = e.reduce(0, +)
                    let range = m - s.min()!
                    let relP = 2 * (scoreErr + u * range + 8 * u) + FloatBounds.gamma(i + 1) + 2 * u
                    for j in 0...i {
                        let p = e[j] / z
                        att[((bi * h + hi) * t + i) * t + j] = p
                        attBound[((bi * h + hi) * t + i) * t + j] = relP * p
                        for d in 0..<dh {
                            let v = Double(qkv[(bi * t + j) * c3 + 2 * hd + hi * dh + d])
                            out[(bi * t + i) * hd + hi * dh + d] += p * v
                            outBound[(bi * t + i) * hd + hi * dh + d] += (relP + FloatBounds.gamma(i + 1)) * p * abs(v)
                        }
                    }
                }
            }
        }
        return (out, att, outBound, attBound)
    }

    @Test("attention = naive causal softmax(q·kᵀ/√Dh)·v, serial and parallel alike", arguments: [(2, 5, 3, 4), (2, 70, 3, 8)])
    func attention(shape: (Int, Int, Int, Int)) {
        let (b, t, h, dh) = shape
        let qkv = GradCheck.randn([b, t, 3 * h * dh], seed: 10)
        let out = Tensor(shape: [b, t, h * dh], repeating: .nan), att = Tensor(shape: [b, h, t, t], repeating: .nan)
        attentionForward(out: out.data, att: att.data, qkv: qkv.data, b: b, t: t, h: h, dh: dh)
        let ref = Self.referenceAttention(qkv, b: b, t: t, h: h, dh: dh)
        #expect(out.array.indices.allSatisfy { abs(Double(out[$0]) - ref.out[$0]) <= ref.outBound[$0] })
        // includes the exact zeros above the diagonal (their bound is 0)
        #expect(att.array.indices.allSatisfy { abs(Double(att[$0]) - ref.att[$0]) <= ref.attBound[$0] })

        // the two scheduling strategies compute the same numbers (forward and backward)
        let dout = GradCheck.randn([b, t, h * dh], seed: 11), scratch = Tensor(zeros: [b, h, t, t])
        var results: [[Float]] = []
        for parallel in [true, false] {
            attentionParallelOverHeads = parallel
            let o = Tensor(zeros: out.shape), a = Tensor(zeros: att.shape), d = Tensor(zeros: qkv.shape)
            attentionForward(out: o.data, att: a.data, qkv: qkv.data, b: b, t: t, h: h, dh: dh)
            attentionBackward(dqkv: d.data, scratch: scratch.data, dout: dout.data, qkv: qkv.data, att: a.data, b: b, t: t, h: h, dh: dh)
            results.append(o.array); results.append(d.array)
        }
        attentionParallelOverHeads = true
        // Both strategies make the same BLAS calls on the same shapes (only the calling threads differ), but OpenBLAS
        // may split a call among its own threads differently, so allow two orders of each float32 forward: out is
        // 3 reductions deep (q·k, softmax's sum, p·v), dqkv 6 (those, then dp = dout·v, the softmax backward's
        // row sum, dq/dk = ds·k / dsᵀ·q), each of length ≤ max(T, Dh); as a fraction of each array's scale.
        let n = max(t, dh)
        #expect(FloatBounds.maxErrorOverScale(results[0], results[2]) <= 2 * FloatBounds.forward(reductions: 3, length: n))
        #expect(FloatBounds.maxErrorOverScale(results[1], results[3]) <= 2 * FloatBounds.forward(reductions: 6, length: n))
    }

    @Test("cross-entropy: loss, probabilities, ignored rows, huge logits")
    func crossEntropy() {
        let n = 4, v = 5
        let logits = Tensor(shape: [n, v], values: [1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 1000, -1000, 0, 0, 0, 3, 1, 4, 1, 5])
        let targets: [Int32] = [4, 2, 1, -1]
        let probs = Tensor(zeros: [n, v]), losses = Tensor(zeros: [n])
        let mean = targets.withUnsafeBufferPointer {
            crossEntropyForward(probs: probs.data, losses: losses.data, logits: logits.data, targets: $0.baseAddress!, n: n, v: v)
        }
        let l0 = Foundation.log((1...5).map { Foundation.exp(Double($0) - 5) }.reduce(0, +))
        // loss = logZ − z_target: logZ's derived bound (FloatBounds.logSumExp), then one rounding of the difference
        let row = { (r: Int) in (0..<v).map { Double(logits[r * v + $0]) } }
        let lossBound = { (r: Int, loss: Double) in
            FloatBounds.logSumExp(row(r), expError: TensorTests.expError) + FloatBounds.u * abs(loss)
        }
        #expect(abs(Double(losses[0]) - l0) <= lossBound(0, l0))
        #expect(abs(Double(losses[1]) - Foundation.log(5.0)) <= lossBound(1, Foundation.log(5.0)))
        #expect(losses[2] == 2000 && losses[3] == 0)  // exact from the logits, no log(0)
        // the mean of the 3 counted losses: each loss's bound, plus γ_3 on their sum (and the division's rounding)
        let meanBound = (lossBound(0, l0) + lossBound(1, Foundation.log(5.0)) + FloatBounds.gamma(4) * (l0 + Foundation.log(5.0) + 2000)) / 3
        #expect(abs(Double(mean) - (l0 + Foundation.log(5.0) + 2000) / 3) <= meanBound)
        for r in 0..<n {
            // Σ of v probabilities: each within its softmax bound, plus γ_v for the sum itself
            let sm = FloatBounds.softmax(row(r), expError: TensorTests.expError)
            let bound = zip(sm.p, sm.relative).reduce(FloatBounds.gamma(v)) { $0 + $1.0 * $1.1 }
            #expect(abs(Double(Ops.sum(probs.data + r * v, v)) - 1) <= bound, "row \(r)")
        }
        #expect(probs.firstNonFinite() == nil)
        // probs may alias logits: the same losses and probabilities
        let inPlace = logits.copy(), losses2 = Tensor(zeros: [n])
        let mean2 = targets.withUnsafeBufferPointer {
            crossEntropyForward(probs: inPlace.data, losses: losses2.data, logits: inPlace.data, targets: $0.baseAddress!, n: n, v: v)
        }
        #expect(mean2 == mean && losses2.array == losses.array && inPlace.array == probs.array)
    }

    @Test("dropout: p = 0 is the identity with no draw; masks are seeded, inverted, and drop ≈ p")
    func dropout() {
        let n = 100_000
        let x = GradCheck.randn([n], seed: 12), out = Tensor(zeros: [n]), mask = Tensor(shape: [n], repeating: 7)
        var rng = RNG(seed: 13)
        let before = rng.state
        dropoutForward(out: out.data, mask: mask.data, inp: x.data, n: n, p: 0, rng: &rng)
        #expect(rng.state == before && out.array == x.array && mask[0] == 7)

        let p: Float = 0.25
        dropoutForward(out: out.data, mask: mask.data, inp: x.data, n: n, p: p, rng: &rng)
        let dropped = mask.array.filter { $0 == 0 }.count
        #expect(mask.array.allSatisfy { $0 == 0 || $0 == 1 / (1 - p) })
        // binomial: σ = √(n·p·(1−p)) ≈ 137; allow 5σ
        #expect(abs(Double(dropped) - Double(n) * Double(p)) < 5 * (Double(n) * 0.25 * 0.75).squareRoot())
        #expect((0..<n).allSatisfy { out[$0] == x[$0] * mask[$0] })
        let mask2 = Tensor(zeros: [n]), out2 = Tensor(zeros: [n])
        var again = RNG(state: before)
        dropoutForward(out: out2.data, mask: mask2.data, inp: x.data, n: n, p: p, rng: &again)
        #expect(mask2.array == mask.array && out2.array == out.array)
    }

    @Test("GradCheck rejects wrong gradients: scaled by 1.01, one element 1% off, a wrong sign")
    func gradCheckTeeth() {
        // f(x) = Σ sin(x)·R, gradient cos(x)·R
        let n = 40
        let x = GradCheck.randn([n], seed: 14), r = GradCheck.randn([n], seed: 15).array
        let loss = { (0..<n).reduce(0.0) { $0 + Foundation.sin(Double(x[$1])) * Double(r[$1]) } }
        let right = (0..<n).map { Float(Foundation.cos(Double(x[$0])) * Double(r[$0])) }
        let num = GradCheck.numeric(x.data, indices: Array(0..<n), h: 1e-2, loss: loss)
        #expect(GradCheck.compare(analytic: right, numeric: num, rtol: 2e-3).passed)
        #expect(!GradCheck.compare(analytic: right.map { $0 * 1.01 }, numeric: num, rtol: 2e-3).passed)
        let big = right.indices.max { abs(right[$0]) < abs(right[$1]) }!
        var w = right; w[big] *= 1.01
        #expect(!GradCheck.compare(analytic: w, numeric: num, rtol: 2e-3).passed)
        w = right; w[3] = -w[3]
        #expect(!GradCheck.compare(analytic: w, numeric: num, rtol: 2e-3).passed)
        w = right; w[5] = .nan
        #expect(!GradCheck.compare(analytic: w, numeric: num, rtol: 2e-3).passed)
    }
}
