// TrainBench: times Condense's training step (forward, loss, backward, clip, AdamW) on fixed configs, as the
// peer of tools/bench_torch_train.py, with the same FLOP convention.
import Foundation

public struct TrainBenchResult: Codable {
    public var config: String
    public var threads: Int
    public var step_ms_median: Double
    public var step_ms_runs: [Double]
    /// Tokens/s for GPT configs, examples/s for the MLP.
    public var units_per_s: Double
    public var unit: String
    public var gflops: Double
    /// MLP only: one epoch of 55,000 examples at this step time.
    public var epoch_s: Double?
}

public enum TrainBench {
    public static let configs = ["nanogpt-cpu", "shakespeare-teacher", "mlp-teacher"]

    /// (architecture, batch) for a named config; vocab 84 is the Shakespeare character vocabulary.
    public static func setup(_ name: String) -> (Architecture, Int)? {
        switch name {
        case "nanogpt-cpu":
            return (.gpt(GPTConfig(n_layer: 4, n_head: 4, head_dim: 32, n_embd: 128, ffn_hidden: 512, block_size: 64, vocab_size: 84)), 12)
        case "shakespeare-teacher":
            return (.gpt(GPTConfig(n_layer: 6, n_head: 8, head_dim: 32, n_embd: 256, ffn_hidden: 1024, block_size: 128, vocab_size: 84)), 32)
        case "mlp-teacher":
            return (.mlp(MLPConfig(inputs: 784, hidden: [1200, 1200], classes: 10, dropout: 0.2)), 128)
        default: return nil
        }
    }

    /// FLOPs of one training step (tools/bench_torch_train.py's convention): GPT (6·N + 12·L·T·A)·B·T with N
    /// the parameters less wpe; MLP 6·N·B.
    public static func flopsPerStep(_ arch: Architecture, batch: Int) -> Double {
        switch arch {
        case .gpt(let c):
            let n = Double(arch.parameterCount - c.block_size * c.n_embd)
            let t = Double(c.block_size)
            return (6 * n + 12 * Double(c.n_layer) * t * Double(c.attnWidth)) * Double(batch) * t
        case .mlp:
            return 6 * Double(arch.parameterCount) * Double(batch)
        }
    }

    public static func run(_ name: String, runs: Int, steps: Int, warmup: Int) throws -> TrainBenchResult {
        guard let (arch, batch) = setup(name) else {
            throw FormatError(file: name, "unknown benchmark config; expected one of \(configs.joined(separator: ", "))")
        }
        let net = makeNetwork(arch, seed: 1)
        let opt = AdamW(params: net.params, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1)
        var rng = RNG(seed: 2)
        let t = net.context, rows = t > 0 ? batch * t : batch
        let x = Tensor(zeros: [batch, 784])
        x.fillUniform(0, 1, rng: &rng)
        let tokens = (0..<(batch * max(t, 1))).map { _ in Int32(rng.below(net.outputs)) }
        let targets = (0..<rows).map { _ in Int32(rng.below(net.outputs)) }
        let dlogits = Tensor(zeros: [rows, net.outputs])
        let objective = CrossEntropyObjective()
        func step() {
            tokens.withUnsafeBufferPointer { tp in
                let input: NetworkInput = t > 0 ? .tokens(tp.baseAddress!, batch: batch, seq: t) : .features(x.data, batch: batch)
                let logits = net.forward(input, training: true, rng: &rng)
                _ = targets.withUnsafeBufferPointer {
                    objective.lossAndGradient(logits: logits, dlogits: dlogits.data, targets: $0.baseAddress!, input: input, rows: rows, cols: net.outputs)
                }
                net.backward(dlogits: dlogits.data)
            }
            let norm = net.params.gradNorm()
            if norm > 1 { for g in net.params.grads { g.scale(Float(1 / norm)) } }
            opt.step(net.params, lr: 1e-4)
            net.params.zeroGrads()
        }
        for _ in 0..<warmup { step() }
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps { step() }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(steps))
        }
        let median = times.sorted()[times.count / 2]
        let units = Double(t > 0 ? batch * t : batch)
        return TrainBenchResult(config: name, threads: Parallel.workers, step_ms_median: median, step_ms_runs: times,
                                units_per_s: units / (median / 1000), unit: t > 0 ? "tokens" : "examples",
                                gflops: flopsPerStep(arch, batch: batch) / (median / 1000) / 1e9,
                                epoch_s: t > 0 ? nil : 55_000.0 / Double(batch) * median / 1000)
    }
}
