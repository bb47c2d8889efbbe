// SequenceMethod: sequence-level distillation: the student is fine-tuned with cross-entropy on the teacher's
// transfer set (TransferSet/), the prompts excluded from the loss, at the tokens per step of the other methods.
import CondenseCore
import Foundation

struct SequenceMethod: DistillMethod {
    let set: TransferSet

    func candidates(_ config: DistillConfig) -> [Candidate] { [Candidate(alpha: 0, temperature: 1)] }
    func searches(_ config: DistillConfig) -> Bool { false }

    func makeRun(_ s: MethodSetup, candidate: Candidate) throws -> MethodRun {
        MethodRun(objective: CrossEntropyObjective(),
                  batches: TransferBatches(set, batchSize: Self.rows(set, batchSize: s.options.batch_size, context: s.student.context),
                                           seed: s.config.seed), extra: nil)
    }

    /// Transfer sequences per batch: enough to hold the tokens of batch_size windows of the student's context, so that
    /// every method sees the same number of tokens per step (⌈batch·T / (L − 1)⌉ sequences of L − 1 inputs each).
    static func rows(_ set: TransferSet, batchSize: Int, context: Int) -> Int {
        let perRow = max(set.length - 1, 1)
        return max(1, (batchSize * context + perRow - 1) / perRow)
    }
}

/// Batches of B sequences of the transfer set, drawn with replacement by RNG(seed, step, micro-batch) (so a resumed
/// run draws the same ones, and the state to checkpoint is empty): input x[0..<L−1], targets x[1..<L], with the
/// targets inside the prompt set to −1.
final class TransferBatches: BatchSource {
    let set: TransferSet
    let batchSize: Int
    let seed: UInt64
    private var tokens: [Int32]
    private(set) var targets: [Int32]

    init(_ set: TransferSet, batchSize: Int, seed: UInt64) {
        self.set = set; self.batchSize = batchSize; self.seed = seed
        tokens = [Int32](repeating: 0, count: batchSize * (set.length - 1))
        targets = tokens
    }

    func next(step: Int, micro: Int) throws {
        var rng = RNG(seed: seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(micro) &* 0xC2B2_AE3D_27D4_EB4F) ^ 0x5E9_7A2F)
        let l = set.length, t = l - 1
        for b in 0..<batchSize {
            let i = rng.below(set.count)
            for j in 0..<t {
                tokens[b * t + j] = set.tokens[i * l + j]
                // target j is token j + 1: part of the prompt when j + 1 < promptLength
                targets[b * t + j] = j + 1 < set.promptLength ? -1 : set.tokens[i * l + j + 1]
            }
        }
    }

    func withInput<R>(_ body: (NetworkInput) throws -> R) rethrows -> R {
        try tokens.withUnsafeBufferPointer { try body(.tokens($0.baseAddress!, batch: batchSize, seq: set.length - 1)) }
    }
    var unitsPerBatch: Int { batchSize * (set.length - 1) }
    var batchesPerEpoch: Int? { nil }
    var state: JSONValue { .null }
    func restore(_ state: JSONValue) throws {}
}
