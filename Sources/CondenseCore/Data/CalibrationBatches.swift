// CalibrationBatches: a fixed set of training-split batches, drawn once and replayed (pruning importance, quantization ranges).

/// A calibration set error; the message names the option and what was expected.
public struct CalibrationError: Error, CustomStringConvertible {
    public let description: String
    init(_ message: String) { description = message }
}

public final class CalibrationBatches {
    public let batchSize: Int
    public let context: Int                 // T for text, 0 for images
    private var features: [Tensor] = []        // each (B, inputs)
    private var tokens: [[Int32]] = []         // each (B·T)
    private var targets: [[Int32]] = []        // each (B) or (B·T)

    /// `batches` batches of `batchSize` samples (images, or block_size-token sequences) from the training split.
    public init(_ data: TaskData, architecture: Architecture, batches: Int, batchSize: Int, seed: UInt64) throws {
        guard batches >= 1 else {
            throw CalibrationError("--calibration-batches: expected ≥ 1, found \(batches)")
        }
        guard batchSize >= 1 else {
            throw CalibrationError("--calibration-batch-size: expected ≥ 1, found \(batchSize)")
        }
        self.batchSize = batchSize
        if case .gpt(let c) = architecture { context = c.block_size } else { context = 0 }
        let tb: TrainBatches
        do {
            tb = try TrainBatches(data, batchSize: batchSize, context: max(context, 1), seed: seed)
        } catch {
            throw CalibrationError("calibration data does not fit the model: \(error)")
        }
        for _ in 0..<batches {
            try tb.next()
            if context == 0 { features.append(tb.x.copy()) } else { tokens.append(tb.tokens) }
            targets.append(tb.targets)
        }
    }

    public var count: Int { targets.count }
    /// Samples: images or sequences.
    public var samples: Int { count * batchSize }
    /// Logit rows per batch: B for images, B·T for text.
    public var rows: Int { context == 0 ? batchSize : batchSize * context }

    /// Calls body with batch i as network input, its targets, and its logits rows (B or B·T).
    public func withBatch<R>(_ i: Int, _ body: (NetworkInput, UnsafePointer<Int32>, Int) throws -> R) rethrows -> R {
        try targets[i].withUnsafeBufferPointer { y in
            if context == 0 {
                return try body(.features(features[i].data, batch: batchSize), y.baseAddress!, batchSize)
            }
            return try tokens[i].withUnsafeBufferPointer { x in
                try body(.tokens(x.baseAddress!, batch: batchSize, seq: context), y.baseAddress!, batchSize * context)
            }
        }
    }

    /// Mean cross-entropy of `net` over the calibration batches (inference forward).
    public func loss(_ net: Network) -> Double {
        let v = net.outputs
        let rows = context == 0 ? batchSize : batchSize * context
        let probs = Tensor(zeros: [rows, v])
        var sum = 0.0, n = 0
        for i in 0..<count {
            withBatch(i) { input, y, rows in
                let logits = net.predict(input)
                let k = crossEntropyCount(targets: y, n: rows)
                let mean = crossEntropyForward(probs: probs.data, losses: nil, logits: logits, targets: y, n: rows, v: v)
                sum += Double(mean) * Double(k)
                n += k
            }
        }
        return sum / Double(max(n, 1))
    }
}
