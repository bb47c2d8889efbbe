// LayersGradTests: every layer's backward against central differences of its forward (see GradCheck).
import Testing
@testable import CondenseCore

// Tolerances. Every element of every gradient must satisfy |analytic − numeric| ≤ rtol·max(|numeric|, 0.05·scale),
// scale = max |numeric|, with rtol = 2e-3. Why that bound: the forward runs in Float32, so L = Σ out·R (|R| ~ 1,
// M ≤ 400 outputs) carries a rounding error of about ε·√M ≈ 1e-6 (ε = 6e-8), and a central difference about
// 1e-6/h; smooth layers add the truncation error h²·f‴/6 ≈ 2e-5 at h = 1e-2. Both stay below ~4e-4 of the
// gradient's scale: the worst error/allowed ratio measured over all layers is 0.26 (cross-entropy; attention
// 0.17, layernorm 0.16, gelu 0.14, linear/encoder/dropout < 0.01). A 1% error is 5× the allowed one, and
// GradCheck.expect proves, for each check, that a gradient scaled by 1.01 or with one element 1% off fails.
// Layers linear in the checked input (linear, embedding, dropout) use h = 0.1: there is no truncation error.

@Suite("Layers gradients")
struct LayersGradTests {
    let B = 2, T = 5, C = 7

    @Test("linear: dinp, dweight, dbias", arguments: [true, false])
    func linear(withBias: Bool) {
        let n = B * T, oc = 6
        let inp = GradCheck.randn([n, C], seed: 1), w = GradCheck.randn([oc, C], std: 0.5, seed: 2)
        let bias = GradCheck.randn([oc], seed: 3), out = Tensor(zeros: [n, oc])
        let r = GradCheck.randn([n, oc], seed: 4).array, dout = Tensor(shape: [n, oc], values: r)
        let loss = { () -> Double in
            linearForward(out: out.data, inp: inp.data, weight: w.data, bias: withBias ? bias.data : nil, n: n, c: self.C, oc: oc)
            return GradCheck.dotLoss(out.data, r)
        }
        _ = loss()
        let dw = GradCheck.Accumulated(Tensor(zeros: [oc, C]), seed: 5)
        let db = GradCheck.Accumulated(Tensor(zeros: [oc]), seed: 6)
        let dinp = Tensor(zeros: [n, C])
        var calls = 0
        let g = GradCheck.expectInputModes("linear dinp", buffer: dinp) { acc in
            // called twice (overwrite, then accumulate mode): the parameter gradients gain 2·g in all
            linearBackward(dinp: dinp.data, dweight: dw.tensor.data, dbias: withBias ? db.tensor.data : nil,
                           dout: dout.data, inp: inp.data, weight: w.data, n: n, c: self.C, oc: oc, accumulateInput: acc)
            calls += 1
        }
        #expect(calls == 2)
        GradCheck.expect("linear dinp", x: inp.data, analytic: g, h: 0.1, rtol: 2e-3, loss: loss)
        GradCheck.expect("linear dweight", x: w.data, analytic: dw.added.map { $0 / 2 }, h: 0.1, rtol: 2e-3, loss: loss)
        if withBias {
            GradCheck.expect("linear dbias", x: bias.data, analytic: db.added.map { $0 / 2 }, h: 0.1, rtol: 2e-3, loss: loss)
        } else {
            #expect(db.added.allSatisfy { $0 == 0 })
        }
    }

    @Test("relu: dinp")
    func relu() {
        let n = B * T * C
        let inp = GradCheck.randn([n], seed: 7)
        for i in 0..<n { inp[i] += inp[i] < 0 ? -0.1 : 0.1 }  // keep every input clear of the kink by > h
        let out = Tensor(zeros: [n])
        let r = GradCheck.randn([n], seed: 8).array, dout = Tensor(shape: [n], values: r)
        let loss = { () -> Double in reluForward(out: out.data, inp: inp.data, n: n); return GradCheck.dotLoss(out.data, r) }
        _ = loss()
        let dinp = Tensor(zeros: [n])
        let g = GradCheck.expectInputModes("relu dinp", buffer: dinp) { acc in
            reluBackward(dinp: dinp.data, dout: dout.data, out: out.data, n: n, accumulateInput: acc)
        }
        GradCheck.expect("relu dinp", x: inp.data, analytic: g, h: 1e-2, rtol: 2e-3, loss: loss)
    }

    @Test("gelu: dinp (exact erf)")
    func gelu() {
        let n = B * T * C + 3  // a ragged SIMD tail
        let inp = GradCheck.randn([n], std: 1.5, seed: 9), out = Tensor(zeros: [n])
        let r = GradCheck.randn([n], seed: 10).array, dout = Tensor(shape: [n], values: r)
        let loss = { () -> Double in geluForward(out: out.data, inp: inp.data, n: n); return GradCheck.dotLoss(out.data, r) }
        _ = loss()
        let dinp = Tensor(zeros: [n])
        let g = GradCheck.expectInputModes("gelu dinp", buffer: dinp) { acc in
            geluBackward(dinp: dinp.data, dout: dout.data, inp: inp.data, n: n, accumulateInput: acc)
        }
        GradCheck.expect("gelu dinp", x: inp.data, analytic: g, h: 1e-2, rtol: 2e-3, loss: loss)
    }

    @Test("layernorm: dinp, dweight, dbias", arguments: [true, false])
    func layerNorm(withBias: Bool) {
        let n = B * T
        let inp = GradCheck.randn([n, C], std: 2, seed: 11)
        let w = GradCheck.randn([C], seed: 12), bias = GradCheck.randn([C], seed: 13)
        let out = Tensor(zeros: [n, C]), mean = Tensor(zeros: [n]), rstd = Tensor(zeros: [n])
        let r = GradCheck.randn([n, C], seed: 14).array, dout = Tensor(shape: [n, C], values: r)
        let loss = { () -> Double in
            layerNormForward(out: out.data, mean: mean.data, rstd: rstd.data, inp: inp.data, weight: w.data,
                             bias: withBias ? bias.data : nil, n: n, c: self.C)
            return GradCheck.dotLoss(out.data, r)
        }
        _ = loss()
        let dw = GradCheck.Accumulated(Tensor(zeros: [C]), seed: 15), db = GradCheck.Accumulated(Tensor(zeros: [C]), seed: 16)
        let dinp = Tensor(zeros: [n, C])
        let g = GradCheck.expectInputModes("layernorm dinp", buffer: dinp) { acc in
            layerNormBackward(dinp: dinp.data, dweight: dw.tensor.data, dbias: withBias ? db.tensor.data : nil,
                              dout: dout.data, inp: inp.data, weight: w.data, mean: mean.data, rstd: rstd.data,
                              n: n, c: self.C, accumulateInput: acc)
        }
        GradCheck.expect("layernorm dinp", x: inp.data, analytic: g, h: 1e-2, rtol: 2e-3, loss: loss)
        GradCheck.expect("layernorm dweight", x: w.data, analytic: dw.added.map { $0 / 2 }, h: 1e-2, rtol: 2e-3, loss: loss)
        if withBias {
            GradCheck.expect("layernorm dbias", x: bias.data, analytic: db.added.map { $0 / 2 }, h: 1e-2, rtol: 2e-3, loss: loss)
        } else {
            #expect(db.added.allSatisfy { $0 == 0 })
        }
    }

    @Test("encoder: dwte, dwpe, with repeated tokens")
    func encoder() {
        let v = 6, maxT = T + 2
        let idx: [Int32] = [0, 3, 3, 5, 1, 3, 0, 2, 2, 5]  // B·T tokens; token 4 never appears
        let wte = GradCheck.randn([v, C], seed: 17), wpe = GradCheck.randn([maxT, C], seed: 18)
        let out = Tensor(zeros: [B, T, C])
        let r = GradCheck.randn([B, T, C], seed: 19).array, dout = Tensor(shape: [B, T, C], values: r)
        let loss = { () -> Double in
            idx.withUnsafeBufferPointer {
                encoderForward(out: out.data, idx: $0.baseAddress!, wte: wte.data, wpe: wpe.data, b: self.B, t: self.T, c: self.C)
            }
            return GradCheck.dotLoss(out.data, r)
        }
        _ = loss()
        let dwte = GradCheck.Accumulated(Tensor(zeros: [v, C]), seed: 20), dwpe = GradCheck.Accumulated(Tensor(zeros: [maxT, C]), seed: 21)
        idx.withUnsafeBufferPointer {
            encoderBackward(dwte: dwte.tensor.data, dwpe: dwpe.tensor.data, dout: dout.data, idx: $0.baseAddress!, b: B, t: T, c: C)
        }
        // the numeric gradient of unused rows (token 4, positions ≥ T) is exactly 0: check used rows here…
        let used = (0..<(v * C)).filter { idx.contains(Int32($0 / C)) }
        GradCheck.expect("encoder dwte", x: wte.data, analytic: dwte.added, indices: used, h: 0.1, rtol: 2e-3, loss: loss)
        GradCheck.expect("encoder dwpe", x: wpe.data, analytic: dwpe.added, indices: Array(0..<(T * C)), h: 0.1, rtol: 2e-3, loss: loss)
        // …and that unused rows received nothing
        #expect((0..<C).allSatisfy { dwte.added[4 * C + $0] == 0 })
        #expect((T * C..<maxT * C).allSatisfy { dwpe.added[$0] == 0 })
    }

    @Test("attention: dqkv", arguments: [(2, 5, 3, 4), (1, 67, 2, 3)])
    func attention(shape: (Int, Int, Int, Int)) {
        let (b, t, h, dh) = shape  // the second shape crosses the 64-row causal block
        let c3 = 3 * h * dh
        let qkv = GradCheck.randn([b, t, c3], seed: 22)
        let out = Tensor(zeros: [b, t, h * dh]), att = Tensor(zeros: [b, h, t, t])
        let r = GradCheck.randn([b, t, h * dh], seed: 23).array, dout = Tensor(shape: [b, t, h * dh], values: r)
        let loss = { () -> Double in
            attentionForward(out: out.data, att: att.data, qkv: qkv.data, b: b, t: t, h: h, dh: dh)
            return GradCheck.dotLoss(out.data, r)
        }
        _ = loss()
        let dqkv = Tensor(zeros: [b, t, c3]), scratch = Tensor(zeros: [b, h, t, t])
        let g = GradCheck.expectInputModes("attention dqkv", buffer: dqkv) { acc in
            attentionBackward(dqkv: dqkv.data, scratch: scratch.data, dout: dout.data, qkv: qkv.data, att: att.data,
                              b: b, t: t, h: h, dh: dh, accumulateInput: acc)
        }
        var rng = RNG(seed: 24)
        let all = Array(0..<qkv.count)
        let sample = qkv.count <= 400 ? all : (0..<400).map { _ in all[rng.below(all.count)] }
        GradCheck.expect("attention dqkv", x: qkv.data, analytic: g, indices: sample, h: 1e-2, rtol: 2e-3, loss: loss)
    }

    @Test("cross-entropy: dlogits, with an ignored row, scaled, accumulated")
    func crossEntropy() {
        let n = B * T, v = 11
        let logits = GradCheck.randn([n, v], std: 2, seed: 25)
        let targets: [Int32] = [3, 0, 10, -1, 7, 7, 2, 5, 9, 1]
        let probs = Tensor(zeros: [n, v]), losses = Tensor(zeros: [n])
        let count = Double(targets.filter { $0 >= 0 }.count)
        let loss = { () -> Double in
            targets.withUnsafeBufferPointer {
                _ = crossEntropyForward(probs: probs.data, losses: losses.data, logits: logits.data, targets: $0.baseAddress!, n: n, v: v)
            }
            return losses.array.reduce(0.0) { $0 + Double($1) } / count * 0.7
        }
        _ = loss()
        let dlogits = Tensor(zeros: [n, v])
        let g = GradCheck.expectInputModes("cross-entropy dlogits", buffer: dlogits) { acc in
            targets.withUnsafeBufferPointer {
                crossEntropyBackward(dlogits: dlogits.data, probs: probs.data, targets: $0.baseAddress!, n: n, v: v,
                                     scale: 0.7, accumulateInput: acc)
            }
        }
        GradCheck.expect("cross-entropy dlogits", x: logits.data, analytic: g, h: 1e-2, rtol: 2e-3, loss: loss)
    }

    @Test("dropout: dinp applies the forward's mask", arguments: [Float(0), 0.3])
    func dropout(p: Float) {
        let n = B * T * C
        let inp = GradCheck.randn([n], seed: 26), out = Tensor(zeros: [n]), mask = Tensor(zeros: [n])
        let r = GradCheck.randn([n], seed: 27).array, dout = Tensor(shape: [n], values: r)
        let loss = { () -> Double in
            var rng = RNG(seed: 28)  // the same mask on every forward
            dropoutForward(out: out.data, mask: mask.data, inp: inp.data, n: n, p: p, rng: &rng)
            return GradCheck.dotLoss(out.data, r)
        }
        _ = loss()
        let dinp = Tensor(zeros: [n])
        let g = GradCheck.expectInputModes("dropout dinp", buffer: dinp) { acc in
            dropoutBackward(dinp: dinp.data, dout: dout.data, mask: mask.data, n: n, p: p, accumulateInput: acc)
        }
        GradCheck.expect("dropout dinp", x: inp.data, analytic: g, h: 0.1, rtol: 2e-3, loss: loss)
    }
}
