// SizeLimits: documented bounds on every count a config or flag sets, and the memory estimate a run is checked against.
import Foundation

/// The bounds of docs/RECIPES.md ("Limits"). They sit far above anything useful on a small machine and far below
/// where an allocation or a loop count could overflow or run for ever.
public enum SizeLimits {
    /// Examples or sequences per micro-batch.
    public static let maxBatchSize = 65_536
    /// Optimizer steps, and every "every N steps" interval.
    public static let maxSteps = 1_000_000_000
    public static let maxEpochs = 1_000_000
    /// Micro-batches per step.
    public static let maxGradAccum = 65_536
    /// Calibration, validation and search batches.
    public static let maxBatches = 1_000_000
    /// Calibration rows held in memory at once (batches × batch size).
    public static let maxCalibrationRows = 1 << 20

    /// Throws `fail(key, expected, found)` unless `value` is in `range`.
    public static func check(_ value: Int, _ range: ClosedRange<Int>, _ key: String,
                             _ fail: (String, String, Any) -> Error) throws {
        if value < range.lowerBound { throw fail(key, "≥ \(range.lowerBound)", value) }
        if value > range.upperBound { throw fail(key, "at most \(range.upperBound)", value) }
    }

    /// Bytes of physical memory (0 when unknown, which disables the memory check).
    public static var physicalMemory: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? pages.multipliedReportingOverflow(by: size).partialValue : 0
    }

    /// Throws when `estimate` bytes exceed physical memory, naming what needs it.
    public static func checkMemory(_ estimate: Double, _ what: String, _ fail: (String) -> Error) throws {
        let phys = Double(physicalMemory)
        if phys > 0 && estimate > phys {
            throw fail("\(what) needs an estimated \(gib(estimate)) of memory; this machine has \(gib(phys))")
        }
    }

    public static func gib(_ bytes: Double) -> String { String(format: "%.2f GiB", bytes / 1_073_741_824) }
}

extension TrainingOptions {
    /// Every count against its limit; `prefix` is the key's section ("train." in a config, "" for distill).
    public func checkLimits(prefix: String, _ fail: (String, String, Any) -> Error) throws {
        try SizeLimits.check(batch_size, 1...SizeLimits.maxBatchSize, prefix + "batch_size", fail)
        try SizeLimits.check(steps, 0...SizeLimits.maxSteps, prefix + "steps", fail)
        try SizeLimits.check(epochs, 0...SizeLimits.maxEpochs, prefix + "epochs", fail)
        try SizeLimits.check(grad_accum, 1...SizeLimits.maxGradAccum, prefix + "grad_accum", fail)
        for (k, v) in [("warmup_steps", warmup_steps), ("eval_every", eval_every), ("checkpoint_every", checkpoint_every),
                       ("log_every", log_every)] {
            try SizeLimits.check(v, 0...SizeLimits.maxSteps, prefix + k, fail)
        }
        try SizeLimits.check(eval_batches, 0...SizeLimits.maxBatches, prefix + "eval_batches", fail)
    }
}

extension Architecture {
    /// Bytes a training run of this model needs, roughly: weights, gradients and two AdamW moments (16 bytes per
    /// parameter), plus float32 activations and their gradients for one micro-batch. An estimate, not a bound: it
    /// is what `--dry-run` reports and what a run is refused on when it exceeds physical memory.
    public func trainingMemoryEstimate(batchSize: Int) -> Double {
        let b = Double(batchSize)
        let params = Double(checkedParameterCount() ?? Int.max)
        switch self {
        case .mlp(let c):
            return 16 * params + 3 * 4 * b * Double(c.widths.reduce(0, +))
        case .gpt(let c):
            let t = Double(c.block_size), C = Double(c.n_embd), A = Double(c.attnWidth), F = Double(c.ffn_hidden)
            let perLayer = 10 * C + 5 * A + 2 * F + Double(c.n_head) * t
            return 16 * params + 2 * 4 * b * t * (Double(c.n_layer) * perLayer + 3 * Double(c.vocab_size))
        }
    }

    /// Bytes an inference forward over `rows` examples (or sequences) needs beside the weights.
    public func inferenceMemoryEstimate(rows: Int) -> Double {
        let b = Double(rows)
        let params = Double(checkedParameterCount() ?? Int.max)
        switch self {
        case .mlp(let c): return 4 * params + 2 * 4 * b * Double(c.widths.reduce(0, +))
        case .gpt(let c):
            let t = Double(c.block_size)
            return 4 * params + 4 * b * t * (Double(c.n_embd) * 8 + Double(c.ffn_hidden) + Double(c.n_head) * t + Double(c.vocab_size))
        }
    }
}
