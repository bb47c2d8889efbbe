// Fixtures: small random teachers that fit the real data sets, fast prune configs, and logits helpers for PruneTests.
import CondenseCore
import Foundation
@testable import Prune

enum Fixture {
    nonisolated(unsafe) static let text: TaskData = try! TaskData.load("shakespeare")
    nonisolated(unsafe) static let fashion: TaskData = try! TaskData.load("fashion-mnist")

    /// GPT that fits the Shakespeare vocabulary: C 32, 4 heads × 8, F 64, T 16, V 84.
    static func gpt(layers: Int = 3, seed: UInt64 = 1, bias: Bool = true) -> ModelFile {
        let c = GPTConfig(n_layer: layers, n_head: 4, head_dim: 8, n_embd: 32, ffn_hidden: 64, block_size: 16,
                          vocab_size: 84, bias: bias)
        return roughen(makeNetwork(.gpt(c), seed: seed).modelFile(), seed: seed)
    }

    /// MLP that fits Fashion-MNIST: 784 → 48 → 24 → 10.
    static func mlp(seed: UInt64 = 1, activation: Activation = .relu) -> ModelFile {
        makeNetwork(.mlp(MLPConfig(inputs: 784, hidden: [48, 24], classes: 10, activation: activation)), seed: seed).modelFile()
    }

    /// nanoGPT's init gives near-zero logits; larger random weights make logit comparisons meaningful.
    static func roughen(_ m: ModelFile, seed: UInt64) -> ModelFile {
        var rng = RNG(seed: seed &+ 99)
        for (name, t) in m.parameters where !name.contains("/ln_") {
            let std: Float = name.hasSuffix("/bias") ? 0.1 : 1 / Float(t.shape.last!).squareRoot()
            t.fillNormal(std: std, rng: &rng)
        }
        return m
    }

    /// Few, small calibration and validation batches, so that tests stay fast.
    static var quick: PruneConfig {
        var c = PruneConfig()
        c.calibration_batches = 4
        c.calibration_batch_size = 8
        c.val_batches = 2
        c.search_val_batches = 1
        c.max_candidates = 6
        c.latency = false
        return c
    }

    /// Logits of `m` on a fixed random input: GPT (3, T) tokens → (3·T·V); MLP (5, 784) → (5·10).
    static func logits(_ m: ModelFile) -> [Float] {
        var rng = RNG(seed: 7)
        let net = makeNetwork(m)
        switch m.architecture {
        case .gpt(let c):
            let ids = (0..<(3 * c.block_size)).map { _ in Int32(rng.below(c.vocab_size)) }
            return ids.withUnsafeBufferPointer { p in
                let out = net.predict(.tokens(p.baseAddress!, batch: 3, seq: c.block_size))
                return Array(UnsafeBufferPointer(start: out, count: 3 * c.block_size * c.vocab_size))
            }
        case .mlp(let c):
            let x = Tensor(zeros: [5, c.inputs])
            x.fillUniform(0, 1, rng: &rng)
            let out = net.predict(.features(x.data, batch: 5))
            return Array(UnsafeBufferPointer(start: out, count: 5 * c.classes))
        }
    }

    static func details(_ r: StageReport) throws -> PruneDetails {
        try JSONDecoder().decode(PruneDetails.self, from: JSONEncoder().encode(r.details))
    }

    /// The error text a throwing call produces ("no error" if it succeeds).
    static func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }
}
