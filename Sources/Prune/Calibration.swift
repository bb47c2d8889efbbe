// Calibration: a fixed set of training-split batches, drawn once and replayed for importance and layer ranking.
import CondenseCore

final class Calibration {
    let batchSize: Int
    let context: Int                 // T for text, 0 for images
    private var features: [Tensor] = []        // each (B, inputs)
    private var tokens: [[Int32]] = []         // each (B·T)
    private var targets: [[Int32]] = []        // each (B) or (B·T)

    init(_ data: TaskData, architecture: Architecture, config: PruneConfig) throws {
        guard config.calibration_batches >= 1 else {
            throw PruneError("--calibration-batches: expected ≥ 1, found \(config.calibration_batches)")
        }
        guard config.calibration_batch_size >= 1 else {
            throw PruneError("--calibration-batch-size: expected ≥ 1, found \(config.calibration_batch_size)")
        }
        batchSize = config.calibration_batch_size
        if case .gpt(let c) = architecture { context = c.block_size } else { context = 0 }
        let tb: TrainBatches
        do {
            tb = try TrainBatches(data, batchSize: batchSize, context: max(context, 1), seed: config.seed)
        } catch {
            throw PruneError("calibration data does not fit the model: \(error)")
        }
        for _ in 0..<config.calibration_batches {
            try tb.next()
            if context == 0 { features.append(tb.x.copy()) } else { tokens.append(tb.tokens) }
            targets.append(tb.targets)
        }
    }

    var count: Int { targets.count }
    /// Samples: images or sequences.
    var samples: Int { count * batchSize }

    /// Calls body with batch i as network input, its targets, and its logits rows (B or B·T).
    func withBatch<R>(_ i: Int, _ body: (NetworkInput, UnsafePointer<Int32>, Int) throws -> R) rethrows -> R {
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
    func loss(_ net: Network) -> Double {
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
