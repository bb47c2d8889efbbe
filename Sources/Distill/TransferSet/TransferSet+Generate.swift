// TransferSet+Generate: the teacher writes the transfer set: prompts drawn from the training split, N sampled
// continuations each on the Generate module's KV-cache engine, the best of each prompt kept by a score (by default
// the teacher's length-normalised log-likelihood; BestOfScore).
import CondenseCore
import Foundation
import Generate

/// What the sequence method generates: prompts × N samples, the budget and the sampling.
struct TransferPlan: Codable, Equatable {
    var promptLength: Int
    var continuationLength: Int
    var samples: Int
    var prompts: Int
    var temperature: Double
    var topP: Double
    var seed: UInt64
    var bestOf: String

    init(_ c: DistillConfig) {
        promptLength = c.prompt_length; continuationLength = c.continuation_length; samples = c.samples_per_prompt
        prompts = (c.transfer_tokens + c.continuation_length - 1) / c.continuation_length
        temperature = c.generate_temperature; topP = c.generate_top_p; seed = c.seed; bestOf = c.best_of
    }

    var length: Int { promptLength + continuationLength }

    /// The transfer set's key: FNV-1a 64 over the teacher's digest, the scorer's identity, the training tokens and
    /// this plan.
    func key(teacher: String, scorer: String, train: TokenSequence) throws -> String {
        var h = Array((teacher + "\n" + scorer).utf8).withUnsafeBytes { fnv1a($0) }
        try train.forEachChunk { h = fnv1a(UnsafeRawBufferPointer($0), h) }  // FNV-1a is byte-sequential: chunks chain
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same bytes in every process
        let plan = (try? encoder.encode(self)) ?? Data()
        h = plan.withUnsafeBytes { fnv1a($0, h) }
        return String(format: "%016llx", h)
    }
}

extension TransferSet {
    /// Generates the set: prompt i starts at a seeded position of `train`; sample j of a prompt is drawn from member
    /// j mod M of `writers` (the teachers' GPTs); every candidate is scored by `scorer` and the best of each prompt
    /// kept.
    static func generate(writers: [GPT], scorer: BestOfScore, train: TokenSequence, plan: TransferPlan, key: String) throws -> TransferSet {
        let (p, n) = (plan.promptLength, plan.samples)
        guard train.count > plan.length else {
            throw FormatError(file: "distill", path: "prompt_length",
                              "expected a training split longer than prompt_length + continuation_length (\(plan.length)), found \(train.count) tokens")
        }
        var rng = RNG(seed: plan.seed ^ 0x7A5F_E25E)
        let prompts = (0..<plan.prompts).map { _ -> [Int32] in
            let s = rng.below(train.count - p)
            return train.slice(s, p)
        }
        var candidates = [[Int32]](repeating: [], count: plan.prompts * n)
        for (m, gpt) in writers.enumerated() {
            // Member m writes the samples j ≡ m (mod M); its k-th sequence draws from RNG(seed_m + k) (the engine
            // gives sequence b of a batch RNG(seed + b)), so the set does not depend on the batching.
            let mine = (0..<(plan.prompts * n)).filter { ($0 % n) % writers.count == m }
            let seedM = plan.seed &+ 0x5E0 &+ (UInt64(m) << 32)
            for start in stride(from: 0, to: mine.count, by: 64) {
                let ids = Array(mine[start..<min(start + 64, mine.count)])
                let opts = GenerationOptions(tokens: plan.continuationLength,
                                             sampling: SamplingOptions(temperature: Float(plan.temperature), topK: 0,
                                                                       topP: Float(plan.topP), seed: seedM &+ UInt64(start)),
                                             policy: .shift)
                let r = try Generate.generate(gpt, prompts: ids.map { prompts[$0 / n] }, options: opts)
                for (b, g) in ids.enumerated() { candidates[g] = prompts[g / n] + r.ids[b] }
            }
        }
        let scores = try scorer.scores(candidates, promptLength: p)
        guard scores.count == candidates.count else { preconditionFailure("one score per candidate") }
        var tokens: [Int32] = [], kept: [Double] = []
        for i in 0..<plan.prompts {
            let best = bestOfN(Array(scores[(i * n)..<((i + 1) * n)]))
            tokens += candidates[i * n + best]
            kept.append(scores[i * n + best])
        }
        return TransferSet(tokens: tokens, length: plan.length, promptLength: p, key: key, scores: kept)
    }

    /// The teacher's mean log-likelihood per continuation token of each sequence (all of one length L):
    /// (1 / (L − P))·Σ_{t=P}^{L−1} log p(x_t | x_<t), from the teacher's T = 1 distribution.
    static func score(_ sequences: [[Int32]], scorer: Teacher, promptLength p: Int) throws -> [Double] {
        guard let l = sequences.first?.count else { return [] }
        let v = scorer.outputs
        var out: [Double] = []
        var lp = [Float](repeating: 0, count: v)
        for chunk in stride(from: 0, to: sequences.count, by: 32) {
            let batch = Array(sequences[chunk..<min(chunk + 32, sequences.count)])
            let flat = batch.flatMap { $0 }
            flat.withUnsafeBufferPointer { ids in
                let z = scorer.logits(for: .tokens(ids.baseAddress!, batch: batch.count, seq: l), temperature: 1)
                for b in 0..<batch.count {
                    var sum = 0.0
                    for t in p..<l {
                        // row t − 1 of sequence b predicts token t
                        Ops.logSoftmaxRows(&lp, z + (b * l + t - 1) * v, rows: 1, cols: v)
                        sum += Double(lp[Int(batch[b][t])])
                    }
                    out.append(sum / Double(l - p))
                }
            }
        }
        return out
    }
}

/// The index of the best score (the first of equal ones): best-of-N selection.
func bestOfN(_ scores: [Double]) -> Int {
    var best = 0
    for i in scores.indices where scores[i] > scores[best] { best = i }
    return best
}
