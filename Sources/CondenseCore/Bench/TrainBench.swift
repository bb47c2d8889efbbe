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
    /// Data-parallel ranks (each runs its shard of the batch and `threads` threads), and the part of the median step
    /// spent summing the gradients over them (0 for one rank).
    public var ranks: Int = 1
    public var allreduce_ms_median: Double = 0
    /// Bytes of gradients each rank reduces per step.
    public var reduced_bytes: Int = 0
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

    /// Times `runs` × `steps` training steps; with a reducer of N ranks, each rank runs rows r·B/N ..< (r+1)·B/N of
    /// the batch and the gradients are summed over the ranks before the clip and the update, as in `Trainer.step`.
    public static func run(_ name: String, runs: Int, steps: Int, warmup: Int,
                           reducer: GradientReducer = SingleProcess.shared) throws -> TrainBenchResult {
        guard let (arch, global) = setup(name) else {
            throw FormatError(file: name, "unknown benchmark config; expected one of \(configs.joined(separator: ", "))")
        }
        guard global >= reducer.size else {
            throw ConfigError("bench", key: "ranks", expected: "at most the batch of \(name) (\(global))", found: "\(reducer.size)")
        }
        let batch = (reducer.rank + 1) * global / reducer.size - reducer.rank * global / reducer.size
        let net = makeNetwork(arch, seed: 1)
        let opt = AdamW(params: net.params, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1)
        var rng = RNG(seed: 2 &+ UInt64(reducer.rank))
        let t = net.context, rows = t > 0 ? batch * t : batch
        let x = Tensor(zeros: [batch, 784])
        x.fillUniform(0, 1, rng: &rng)
        let tokens = (0..<(batch * max(t, 1))).map { _ in Int32(rng.below(net.outputs)) }
        let targets = (0..<rows).map { _ in Int32(rng.below(net.outputs)) }
        let dlogits = Tensor(zeros: [rows, net.outputs])
        let objective = CrossEntropyObjective()
        var reduceNs: UInt64 = 0
        func step() throws {
            tokens.withUnsafeBufferPointer { tp in
                let input: NetworkInput = t > 0 ? .tokens(tp.baseAddress!, batch: batch, seq: t) : .features(x.data, batch: batch)
                let logits = net.forward(input, training: true, rng: &rng)
                _ = targets.withUnsafeBufferPointer {
                    objective.lossAndGradient(logits: logits, dlogits: dlogits.data, targets: $0.baseAddress!, input: input, rows: rows, cols: net.outputs)
                }
                net.backward(dlogits: dlogits.data)
            }
            if reducer.size > 1 {
                let r0 = DispatchTime.now().uptimeNanoseconds
                try reducer.sum(net.params.grads)
                reduceNs += DispatchTime.now().uptimeNanoseconds - r0
            }
            let norm = net.params.gradNorm()
            if norm > 1 { for g in net.params.grads { g.scale(Float(1 / norm)) } }
            opt.step(net.params, lr: 1e-4)
            net.params.zeroGrads()
        }
        for _ in 0..<warmup { try step() }
        var times: [Double] = [], reduces: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            reduceNs = 0
            for _ in 0..<steps { try step() }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(steps))
            reduces.append(Double(reduceNs) / 1e6 / Double(steps))
        }
        let median = times.sorted()[times.count / 2]
        // Every rank times its own steps; they are in lockstep (the sum waits for the slowest), so rank 0's are the job's.
        let units = Double(t > 0 ? global * t : global)
        var r = TrainBenchResult(config: name, threads: Parallel.workers, step_ms_median: median, step_ms_runs: times,
                                 units_per_s: units / (median / 1000), unit: t > 0 ? "tokens" : "examples",
                                 gflops: flopsPerStep(arch, batch: global) / (median / 1000) / 1e9,
                                 epoch_s: t > 0 ? nil : 55_000.0 / Double(global) * median / 1000)
        r.ranks = reducer.size
        r.allreduce_ms_median = reduces.sorted()[reduces.count / 2]
        r.reduced_bytes = reducer.size > 1 ? net.params.count * 4 : 0
        return r
    }
}
