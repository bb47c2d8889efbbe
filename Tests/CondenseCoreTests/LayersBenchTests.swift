// LayersBenchTests: timings of the hot layers at GPT-training sizes; run with CONDENSE_BENCH=1 on a release build.
import Dispatch
import Foundation
import Testing
@testable import CondenseCore

@Suite("Layers speed", .enabled(if: ProcessInfo.processInfo.environment["CONDENSE_BENCH"] != nil), .serialized)
struct LayersBenchTests {
    /// Best-of-reps wall time in milliseconds.
    static func time(_ reps: Int = 5, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        for _ in 0..<reps {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return best
    }

    static func report(_ name: String, _ ms: Double) {
        print(String(format: "BENCH %-44@ %9.3f ms", name as NSString, ms))
    }

    @Test("attention forward + backward: parallel over heads vs multithreaded BLAS")
    func attention() {
        let b = 8, t = 256, h = 6, dh = 64
        let qkv = GradCheck.randn([b, t, 3 * h * dh], seed: 1), dout = GradCheck.randn([b, t, h * dh], seed: 2)
        let out = Tensor(zeros: [b, t, h * dh]), att = Tensor(zeros: [b, h, t, t])
        let dqkv = Tensor(zeros: qkv.shape), scratch = Tensor(zeros: att.shape)
        for parallel in [true, false] {
            attentionParallelOverHeads = parallel
            let f = Self.time { attentionForward(out: out.data, att: att.data, qkv: qkv.data, b: b, t: t, h: h, dh: dh) }
            let g = Self.time {
                attentionBackward(dqkv: dqkv.data, scratch: scratch.data, dout: dout.data, qkv: qkv.data, att: att.data,
                                  b: b, t: t, h: h, dh: dh)
            }
            Self.report("attention fwd B8 T256 H6 Dh64 parallel=\(parallel)", f)
            Self.report("attention bwd B8 T256 H6 Dh64 parallel=\(parallel)", g)
        }
        attentionParallelOverHeads = true
        #expect(dqkv.firstNonFinite() == nil && out.firstNonFinite() == nil)
    }

    @Test("linear, gelu, layernorm, softmax, cross-entropy at GPT sizes")
    func elementwise() {
        let n = 8 * 256, c = 384, f = 1536, v = 65
        let x = GradCheck.randn([n, c], seed: 3), w = GradCheck.randn([f, c], std: 0.05, seed: 4), bias = Tensor(zeros: [f])
        let y = Tensor(zeros: [n, f]), dy = GradCheck.randn([n, f], seed: 5), dx = Tensor(zeros: [n, c]), dw = Tensor(zeros: [f, c])
        let db = Tensor(zeros: [f])
        Self.report("linear fwd 2048x384 -> 1536", Self.time { linearForward(out: y.data, inp: x.data, weight: w.data, bias: bias.data, n: n, c: c, oc: f) })
        Self.report("linear bwd", Self.time {
            linearBackward(dinp: dx.data, dweight: dw.data, dbias: db.data, dout: dy.data, inp: x.data, weight: w.data, n: n, c: c, oc: f)
        })
        let g = Tensor(zeros: [n, f])
        Self.report("gelu fwd 3.1M", Self.time { geluForward(out: g.data, inp: y.data, n: n * f) })
        Self.report("gelu bwd 3.1M", Self.time { geluBackward(dinp: g.data, dout: dy.data, inp: y.data, n: n * f) })
        Self.report("gelu scalar Foundation.erf fwd 3.1M (reference)", Self.time(2) {
            for i in 0..<(n * f) { let v = y[i]; g[i] = 0.5 * v * (1 + Foundation.erf(v * 0.70710678)) }
        })
        let ln = Tensor(zeros: [n, c]), mean = Tensor(zeros: [n]), rstd = Tensor(zeros: [n]), lw = Tensor(shape: [c], repeating: 1)
        let lb = Tensor(zeros: [c]), dlw = Tensor(zeros: [c]), dlb = Tensor(zeros: [c])
        Self.report("layernorm fwd 2048x384", Self.time {
            layerNormForward(out: ln.data, mean: mean.data, rstd: rstd.data, inp: x.data, weight: lw.data, bias: lb.data, n: n, c: c)
        })
        Self.report("layernorm bwd 2048x384", Self.time {
            layerNormBackward(dinp: dx.data, dweight: dlw.data, dbias: dlb.data, dout: ln.data, inp: x.data, weight: lw.data,
                              mean: mean.data, rstd: rstd.data, n: n, c: c)
        })
        let logits = GradCheck.randn([n, v], seed: 6), probs = Tensor(zeros: [n, v])
        let targets = (0..<n).map { Int32($0 % v) }
        Self.report("cross-entropy fwd+bwd 2048x65", Self.time {
            targets.withUnsafeBufferPointer {
                _ = crossEntropyForward(probs: probs.data, losses: nil, logits: logits.data, targets: $0.baseAddress!, n: n, v: v)
                crossEntropyBackward(dlogits: probs.data, probs: probs.data, targets: $0.baseAddress!, n: n, v: v)
            }
        })
        #expect(g.firstNonFinite() == nil && dx.firstNonFinite() == nil && probs.firstNonFinite() == nil)
    }
}
