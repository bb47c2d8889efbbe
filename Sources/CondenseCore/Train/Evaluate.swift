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

/// Evaluates `net` on a split; `maxBatches` > 0 stops early (for periodic evaluation during training).
public func evaluate(_ net: Network, on split: EvalSplit, splitName: String, batchSize: Int = 256,
                     context: Int = 0, maxBatches: Int = 0) throws -> EvalResult {
    let start = Date()
    var lossSum = 0.0, count = 0, correct = 0, batches = 0
    let v = net.outputs
    switch split {
    case .images(let data):
        var it = try ClassificationEvalIterator(data: data, batchSize: batchSize)
        let x = Tensor(zeros: [batchSize, data.features])
        var y = [Int32](repeating: 0, count: batchSize)
        let probs = Tensor(zeros: [batchSize, v])
        var pred = [Int32](repeating: 0, count: batchSize)
        while let rows = try it.next(x: x, y: &y) {
            let logits = net.predict(.features(x.data, batch: rows))
            y.withUnsafeBufferPointer { yp in
                let mean = crossEntropyForward(probs: probs.data, losses: nil, logits: logits, targets: yp.baseAddress!, n: rows, v: v)
                lossSum += Double(mean) * Double(rows)
            }
            Ops.argmaxRows(&pred, logits, rows: rows, cols: v)
            for i in 0..<rows where pred[i] == y[i] { correct += 1 }
            count += rows
            batches += 1
            if maxBatches > 0 && batches >= maxBatches { break }
        }
        let secs = Date().timeIntervalSince(start)
        return EvalResult(metric_kind: .accuracy, split: splitName, loss: lossSum / Double(max(count, 1)),
                          accuracy: Double(correct) / Double(max(count, 1)), perplexity: nil, count: count,
                          seconds: secs, throughput: Double(count) / max(secs, 1e-9))
    case .tokens(let tokens):
        let t = context
        let b = max(1, batchSize / max(t / 8, 1))
        var it = try TextEvalIterator(tokens: tokens, batchSize: b, context: t)
        var x = [Int32](repeating: 0, count: b * t), y = [Int32](repeating: 0, count: b * t)
        let probs = Tensor(zeros: [b * t, v])
        while let rows = try it.next(x: &x, y: &y) {
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeBufferPointer { yp in
                    let logits = net.predict(.tokens(xp.baseAddress!, batch: rows, seq: t))
                    let n = crossEntropyCount(targets: yp.baseAddress!, n: rows * t)
                    let mean = crossEntropyForward(probs: probs.data, losses: nil, logits: logits, targets: yp.baseAddress!, n: rows * t, v: v)
                    lossSum += Double(mean) * Double(n)
                    count += n
                }
            }
            batches += 1
            if maxBatches > 0 && batches >= maxBatches { break }
        }
        let secs = Date().timeIntervalSince(start)
        let loss = lossSum / Double(max(count, 1))
        return EvalResult(metric_kind: .loss, split: splitName, loss: loss, accuracy: nil, perplexity: Foundation.exp(loss),
                          count: count, seconds: secs, throughput: Double(count) / max(secs, 1e-9))
    }
}

extension Network {
    /// The context length used for text evaluation: the model's block size (0 for non-text models).
    public var context: Int { if case .gpt(let c) = architecture { return c.block_size }; return 0 }
}
