// Support: tiny GPTs with O(1) logits (float or int8), full-recompute logits, and the relative-error measure.
import CondenseCore
@testable import Generate

enum Fixture {
    static func config(layers: Int = 2, heads: Int = 3, headDim: Int = 12, embd: Int = 24, ffn: Int = 40, block: Int = 16,
                       vocab: Int = 11, bias: Bool = true, tied: Bool = true) -> GPTConfig {
        GPTConfig(n_layer: layers, n_head: heads, head_dim: headDim, n_embd: embd, ffn_hidden: ffn, block_size: block,
                  vocab_size: vocab, bias: bias, tie_embeddings: tied)
    }

    /// Weights N(0, 1/fan_in), biases and embeddings N(0, 0.1²)·(10 for embeddings), LayerNorm weights 1 + N(0, 0.1²),
    /// so logits are O(1) and the distributions far from uniform. int8: every linear layer (not a tied head)
    /// quantized per channel with dynamic activations, as `condense quantize` would.
    static func model(_ cfg: GPTConfig, seed: UInt64, int8: Bool = false) -> ModelFile {
        var rng = RNG(seed: seed)
        var p: [String: Tensor] = [:]
        for spec in Architecture.gpt(cfg).parameterSpecs {
            let t = Tensor(zeros: spec.shape)
            if spec.path.contains("/ln_") {
                t.fillNormal(mean: spec.path.hasSuffix("weight") ? 1 : 0, std: 0.1, rng: &rng)
            } else if spec.path.contains("/wte/") || spec.path.contains("/wpe/") {
                t.fillNormal(std: 1, rng: &rng)
            } else if spec.path.hasSuffix("/bias") {
                t.fillNormal(std: 0.1, rng: &rng)
            } else {
                t.fillNormal(std: 1 / Float(spec.shape[1]).squareRoot(), rng: &rng)
            }
            p[spec.path] = t
        }
        var m = ModelFile(architecture: .gpt(cfg), parameters: p)
        if int8 {
            for l in m.linearLayers {
                let w = m.parameters.removeValue(forKey: l.path + "/weight")!
                let (q, s) = try! Int8Linear.quantizePerChannel(w.data, n: l.n, k: l.k)
                m.quantized[l.path] = QuantizedLinear(scheme: .dynamic, n: l.n, k: l.k, qweight: q, weightScale: s)
            }
        }
        return m
    }

    static func gpt(_ cfg: GPTConfig, seed: UInt64, int8: Bool = false) -> GPT {
        makeNetwork(model(cfg, seed: seed, int8: int8)) as! GPT
    }

    /// Logits (T, V) of GPT.forward on the whole sequence (the full recomputation).
    static func fullLogits(_ net: GPT, _ ids: [Int32]) -> [Float] {
        ids.withUnsafeBufferPointer { b in
            let out = net.predict(.tokens(b.baseAddress!, batch: 1, seq: ids.count))
            return Array(UnsafeBufferPointer(start: out, count: ids.count * net.outputs))
        }
    }

    /// max_j |a_j − r_j| / max_j |r_j| over one row of logits.
    static func relativeError(_ a: UnsafePointer<Float>, _ r: ArraySlice<Float>) -> Float {
        var num: Float = 0, den: Float = 0
        for (j, x) in r.enumerated() { num = max(num, abs(a[j] - x)); den = max(den, abs(x)) }
        return num / max(den, 1e-30)
    }

    static func randomTokens(_ n: Int, vocab: Int, rng: inout RNG) -> [Int32] {
        (0..<n).map { _ in Int32(rng.below(vocab)) }
    }
}
