// OnPolicyBatches: the on-policy method's batches: per (step, micro-batch) a seeded draw makes the batch either a
// training-split window (the plain sampler's) or B training prompts continued by the current student.
import CondenseCore
import Foundation
import Generate

/// With probability λ (a uniform from RNG(seed, step, micro-batch)) a batch is on-policy: B prompts of P tokens at
/// seeded positions of the training split, each continued by C tokens the student samples at `sample_temperature`
/// on a DecodeEngine over its live weights. Its input window is prompt + continuation less the last token, padded
/// (with that last token) to the student's context T; position j counts (target = token j + 1) when token j + 1
/// was generated, i.e. j ∈ [P − 1, P + C − 2], and is −1 elsewhere. Otherwise the batch is the plain sampler's
/// window, every position counted. The plain sampler draws at every batch, on-policy or not, so its batches are
/// the soft method's at the same (step, micro-batch), and its state is the one checkpointed: everything else comes
/// from (seed, step, micro-batch), so a resumed run sees the same batches.
final class OnPolicyBatches: BatchSource {
    let base: TrainBatches
    let student: GPT
    let train: TokenSequence
    let lambda: Double
    let sampleTemperature: Double
    let promptLength: Int, continuationLength: Int
    let seed: UInt64
    let batchSize: Int, context: Int
    let stats: OnPolicyStats
    let run: Int
    /// Made at the first on-policy batch (after a resume has loaded the weights), reset per batch.
    private var engine: DecodeEngine?
    /// The current on-policy batch: input (B, T) and targets (B, T).
    private var tokens: [Int32], onPolicyTargets: [Int32]
    /// Whether the current batch is on-policy.
    private(set) var onPolicy = false

    init(_ s: MethodSetup, stats: OnPolicyStats) throws {
        guard let gpt = s.student as? GPT, case .text(let corpus) = s.data else {
            throw ConfigError("distill", key: "method", expected: "soft or hard for a classifier (the on-policy method samples text from a GPT student)",
                              found: "on-policy")
        }
        let c = s.config
        base = try samplerBatches(s)
        student = gpt; train = corpus.train
        lambda = c.lambda; sampleTemperature = c.sample_temperature
        promptLength = c.prompt_length; continuationLength = c.continuation_length
        seed = c.seed; batchSize = s.options.batch_size; context = gpt.context
        self.stats = stats
        run = stats.startRun()
        tokens = [Int32](repeating: 0, count: batchSize * context)
        onPolicyTargets = tokens
    }

    /// The draws of batch (step, micro): the first uniform decides on-policy, the rest place the prompts and sample.
    static func rng(seed: UInt64, step: Int, micro: Int) -> RNG {
        RNG(seed: seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(micro) &* 0xC2B2_AE3D_27D4_EB4F) ^ 0x06B0_11C7)
    }

    /// Whether batch (step, micro) is on-policy: its first uniform u ∈ [0, 1) is below λ (never for λ = 0, always
    /// for λ = 1).
    static func isOnPolicy(seed: UInt64, step: Int, micro: Int, lambda: Double) -> Bool {
        var r = rng(seed: seed, step: step, micro: micro)
        return Double(r.uniform()) < lambda
    }

    func next(step: Int, micro: Int) throws {
        try base.next(step: step, micro: micro)
        var r = Self.rng(seed: seed, step: step, micro: micro)
        onPolicy = Double(r.uniform()) < lambda
        guard onPolicy else { return }
        let t0 = Date()
        let sequences = sample(&r)
        fill(sequences)
        stats.add(run: run, tokens: batchSize * continuationLength, seconds: Date().timeIntervalSince(t0))
    }

    /// B prompts from the training split, each continued by C tokens of the student: (B) sequences of P + C tokens.
    func sample(_ r: inout RNG) -> [[Int32]] {
        let p = promptLength, b = batchSize, v = student.config.vocab_size
        let engine = self.engine ?? DecodeEngine(student, batch: b, capacity: p + continuationLength - 1)
        self.engine = engine
        engine.reset()
        var sequences = (0..<b).map { _ in train.slice(r.below(train.count - p), p) }
        var chunks = sequences
        let options = SamplingOptions(temperature: Float(sampleTemperature))
        var probs = [Float](repeating: 0, count: v)
        for _ in 0..<continuationLength {
            // The prompts (first call), then each sequence's last token: P + C − 1 positions in all.
            let logits = engine.extend(chunks)
            for i in 0..<b {
                Sampler.distribution(logits.last(i), vocab: v, options: options, into: &probs)
                let token = Sampler.draw(probs, vocab: v, u: r.uniform())
                sequences[i].append(token)
                chunks[i] = [token]
            }
        }
        return sequences
    }

    /// Writes the input windows (B, T) and targets (B, T) of `sequences` (B, P + C), P + C ≤ T.
    private func fill(_ sequences: [[Int32]]) {
        let t = context, n = promptLength + continuationLength
        for (i, s) in sequences.enumerated() {
            for j in 0..<t {
                tokens[i * t + j] = s[min(j, n - 1)]
                onPolicyTargets[i * t + j] = j >= promptLength - 1 && j + 1 < n ? s[j + 1] : -1
            }
        }
    }

    func withInput<R>(_ body: (NetworkInput) throws -> R) rethrows -> R {
        guard onPolicy else { return try base.withInput(body) }
        return try tokens.withUnsafeBufferPointer { try body(.tokens($0.baseAddress!, batch: batchSize, seq: context)) }
    }
    var targets: [Int32] { onPolicy ? onPolicyTargets : base.targets }
    var unitsPerBatch: Int { base.unitsPerBatch }
    var batchesPerEpoch: Int? { nil }
    var state: JSONValue { base.state }
    func restore(_ state: JSONValue) throws { try base.restore(state) }
}
