// ModelGradTests: whole-model gradient checks for both families (every parameter tensor, sampled elements).
import Testing
@testable import CondenseCore

// Tolerance: rtol = 4e-3 on GradCheck's scale-floored relative error, derived as in LayersGradTests' header, for a
// deeper forward. L = Σ logits·R (Double) over M ≤ 90 logits of a float32 forward of ≤ 15 reductions of length ≤ 17;
// its rounding is about u·√(15·17)·√M·max|logit·R| ≈ 1e-5 of |L|'s scale, so the central difference at h = 1e-2
// carries ~1e-3 of a typical derivative at worst, and the truncation h²·f‴/6 adds ~1e-4 through GELU and softmax.
// Reordering the float32 reductions (another CPU's BLAS kernel) changes only that rounding term, so the bound is the
// same on every CPU. GradCheck.expect proves, for each tensor, that a 1% error still fails (2.5× the allowed error).
@Suite struct ModelGradTests {
    /// Checks d(Σ logits·R)/dθ for a sample of elements of every parameter tensor of `net`.
    func checkAllParameters(_ net: Network, _ input: NetworkInput, rtol: Double, h: Float) {
        let rows = input.rows, v = net.outputs
        let r = GradCheck.randn([rows, v], seed: 7).array
        var rng = RNG(seed: 1)
        net.params.zeroGrads()
        _ = net.forward(input, training: false, rng: &rng)
        net.backward(dlogits: r)
        for (name, (value, grad)) in zip(net.params.names, zip(net.params.values, net.params.grads)) {
            var pick = RNG(seed: UInt64(name.count))
            let idx = value.count <= 24 ? Array(0..<value.count) : (0..<24).map { _ in pick.below(value.count) }
            GradCheck.expect(name, x: value.data, analytic: grad.array, indices: Array(Set(idx)).sorted(), h: h, rtol: rtol) {
                var rng = RNG(seed: 1)
                return GradCheck.dotLoss(net.forward(input, training: false, rng: &rng), r)
            }
        }
    }

    static let gptCases: [GPTConfig] = [
        GPTConfig(n_layer: 2, n_head: 3, head_dim: 4, n_embd: 10, ffn_hidden: 17, block_size: 6, vocab_size: 7),
        GPTConfig(n_layer: 1, n_head: 2, head_dim: 3, n_embd: 8, ffn_hidden: 12, block_size: 5, vocab_size: 9,
                  bias: false, tie_embeddings: false),
    ]

    @Test(arguments: gptCases)
    func gptGradients(_ config: GPTConfig) {
        let net = makeNetwork(.gpt(config), seed: 3)
        // larger weights than the 0.02 init, so that every path carries signal
        var rng = RNG(seed: 11)
        for (n, t) in zip(net.params.names, net.params.values) where !n.contains("ln_") { t.fillNormal(std: 0.3, rng: &rng) }
        let b = 2, t = config.block_size - 1
        let ids = (0..<(b * t)).map { Int32($0 * 5 % config.vocab_size) }
        ids.withUnsafeBufferPointer { p in
            checkAllParameters(net, .tokens(p.baseAddress!, batch: b, seq: t), rtol: 4e-3, h: 1e-2)
        }
    }

    @Test(arguments: [Activation.relu, .gelu])
    func mlpGradients(_ act: Activation) {
        let net = makeNetwork(.mlp(MLPConfig(inputs: 6, hidden: [9, 5], classes: 4, activation: act)), seed: 5)
        let x = GradCheck.randn([3, 6], seed: 2)
        checkAllParameters(net, .features(x.data, batch: 3), rtol: 4e-3, h: 1e-2)
    }

    @Test func dropoutIsOffAtInferenceAndScalesInTraining() {
        let cfg = MLPConfig(inputs: 4, hidden: [64], classes: 3, dropout: 0.5)
        let net = makeNetwork(.mlp(cfg), seed: 1)
        let x = GradCheck.randn([2, 4], seed: 3)
        let a = Array(UnsafeBufferPointer(start: net.predict(.features(x.data, batch: 2)), count: 6))
        let b = Array(UnsafeBufferPointer(start: net.predict(.features(x.data, batch: 2)), count: 6))
        #expect(a == b)
        var rng = RNG(seed: 9)
        let c = Array(UnsafeBufferPointer(start: net.forward(.features(x.data, batch: 2), training: true, rng: &rng), count: 6))
        #expect(c != a)
    }
}
