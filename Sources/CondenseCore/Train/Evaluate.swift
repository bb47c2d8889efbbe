// Evaluate: a model's loss, accuracy (classifiers) and perplexity on a split, with throughput.
import Foundation

public struct EvalResult: Codable, Equatable, Sendable {
    public var metric_kind: MetricKind
    public var split: String
    /// Mean cross-entropy in nats (per example, or per token).
    public var loss: Double
    /// Fraction correct in [0, 1] for classifiers; nil for language models.
    public var accuracy: Double?
    /// exp(loss), for language models.
    public var perplexity: Double?
    /// Examples (images) or scored tokens.
    public var count: Int
    public var seconds: Double
    /// Examples or tokens per second.
    public var throughput: Double

    /// The headline metric: accuracy for classifiers, loss for language models.
    public var metric: Double { metric_kind == .accuracy ? accuracy ?? 0 : loss }
}

/// Evaluates `net` on a split; `maxBatches` > 0 stops early (for periodic evaluation during training). With a
/// reducer of several ranks, rank r evaluates batches r, r + N, … and the sums are reduced: every rank gets the result.
public func evaluate(_ net: Network, on split: EvalSplit, splitName: String, batchSize: Int = 256,
                     context: Int = 0, maxBatches: Int = 0, reducer: GradientReducer = SingleProcess.shared) throws -> EvalResult {
    try evaluate(outputs: net.outputs, on: split, splitName: splitName, batchSize: batchSize, context: context,
                 maxBatches: maxBatches, reducer: reducer) { UnsafePointer(net.predict($0)) }
}

/// The same measurement for any source of (rows, outputs) logits (an ensemble of teachers, for one).
public func evaluate(outputs v: Int, on split: EvalSplit, splitName: String, batchSize: Int = 256, context: Int = 0,
                     maxBatches: Int = 0, reducer: GradientReducer = SingleProcess.shared,
                     logits forward: (NetworkInput) -> UnsafePointer<Float>) throws -> EvalResult {
    let start = Date()
    var lossSum = 0.0, count = 0, correct = 0
    let probs = Tensor(zeros: [evalRows(split, batchSize: batchSize, context: context), v])
    var pred = [Int32](repeating: 0, count: probs.shape[0])
    do { try forEachEvalBatch(split, batchSize: batchSize, context: context, maxBatches: maxBatches,
                              shard: (reducer.rank, reducer.size)) { input, y, rows in
        let logits = forward(input)
        let n = crossEntropyCount(targets: y, n: rows)
        let mean = crossEntropyForward(probs: probs.data, losses: nil, logits: logits, targets: y, n: rows, v: v)
        lossSum += Double(mean) * Double(n)
        count += n
        if case .images = split {
            Ops.argmaxRows(&pred, logits, rows: rows, cols: v)
            for i in 0..<rows where pred[i] == y[i] { correct += 1 }
        }
    } } catch let e as DataError {
        throw DataError("the \(splitName) split", expected: e.expected, found: e.found, hint: e.hint)
    }
    if reducer.size > 1 {
        // float64 sums of float32 batch means: the order of the ranks' terms changes them by far less than 4 digits.
        var sums = [lossSum, Double(count), Double(correct)]
        try reducer.sum(&sums)
        lossSum = sums[0]; count = Int(sums[1]); correct = Int(sums[2])
    }
    let secs = Date().timeIntervalSince(start)
    guard count > 0 else {
        throw DataError("the \(splitName) split", expected: "at least one example or scored token to evaluate", found: "none")
    }
    let loss = lossSum / Double(count)
    if case .images = split {
        return EvalResult(metric_kind: .accuracy, split: splitName, loss: loss, accuracy: Double(correct) / Double(max(count, 1)),
                          perplexity: nil, count: count, seconds: secs, throughput: Double(count) / max(secs, 1e-9))
    }
    return EvalResult(metric_kind: .loss, split: splitName, loss: loss, accuracy: nil, perplexity: Foundation.exp(loss),
                      count: count, seconds: secs, throughput: Double(count) / max(secs, 1e-9))
}

/// Logit rows of the largest evaluation batch: B images, or B·T tokens (B shrinks with T so a batch stays ~8·batchSize tokens).
public func evalRows(_ split: EvalSplit, batchSize: Int, context: Int) -> Int {
    if case .images = split { return batchSize }
    return max(1, batchSize / max(context / 8, 1)) * context
}

/// Calls `body` with each evaluation batch of a split, in order: the network input, the targets (−1 = ignored
/// padding) and the number of logit rows (images, or B·T tokens). `maxBatches` > 0 stops early. `shard` (rank r of
/// N) calls body only for batches r, r + N, … of the same sequence.
public func forEachEvalBatch(_ split: EvalSplit, batchSize: Int, context: Int, maxBatches: Int = 0,
                             shard: (rank: Int, size: Int) = (0, 1),
                             _ body: (NetworkInput, UnsafePointer<Int32>, Int) throws -> Void) throws {
    var batches = 0
    func mine() -> Bool { batches % shard.size == shard.rank }
    switch split {
    case .images(let data):
        var it = try ClassificationEvalIterator(data: data, batchSize: batchSize)
        let x = Tensor(zeros: [batchSize, data.features])
        var y = [Int32](repeating: 0, count: batchSize)
        while let rows = try it.next(x: x, y: &y) {
            if mine() { try y.withUnsafeBufferPointer { try body(.features(x.data, batch: rows), $0.baseAddress!, rows) } }
            batches += 1
            if maxBatches > 0 && batches >= maxBatches { break }
        }
    case .tokens(let tokens):
        let t = context
        let b = max(1, batchSize / max(t / 8, 1))
        var it = try TextEvalIterator(tokens: tokens, batchSize: b, context: t)
        var x = [Int32](repeating: 0, count: b * t), y = [Int32](repeating: 0, count: b * t)
        while let rows = try it.next(x: &x, y: &y) {
            if mine() {
                try x.withUnsafeBufferPointer { xp in
                    try y.withUnsafeBufferPointer { yp in
                        try body(.tokens(xp.baseAddress!, batch: rows, seq: t), yp.baseAddress!, rows * t)
                    }
                }
            }
            batches += 1
            if maxBatches > 0 && batches >= maxBatches { break }
        }
    }
}

extension Network {
    /// The context length used for text evaluation: the model's block size (0 for non-text models).
    public var context: Int { if case .gpt(let c) = architecture { return c.block_size }; return 0 }
}
