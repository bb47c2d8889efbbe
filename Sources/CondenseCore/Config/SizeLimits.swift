// SizeLimits: documented bounds on every count a config or flag sets (the memory estimate: MemoryEstimate).
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

    /// The memory a run may use: CONDENSE_MEMORY_LIMIT (bytes) when set and smaller, else physical memory.
    public static var memoryLimit: Int {
        let phys = physicalMemory
        guard let s = ProcessInfo.processInfo.environment["CONDENSE_MEMORY_LIMIT"], let v = Int(s), v > 0 else { return phys }
        return phys > 0 ? min(v, phys) : v
    }

    public static func gib(_ bytes: Double) -> String { String(format: "%.2f GiB", bytes / 1_073_741_824) }

    /// "512.0 MiB" below a GiB, else "1.25 GiB".
    public static func size(_ bytes: Double) -> String {
        bytes < 1_073_741_824 ? String(format: "%.1f MiB", bytes / 1_048_576) : gib(bytes)
    }
}

extension TrainingOptions {
    /// Every count against its limit; `prefix` is the key's section ("train." in a config, "" for distill).
    public func checkLimits(prefix: String, _ fail: (String, String, Any) -> Error) throws {
        try SizeLimits.check(batch_size, 1...SizeLimits.maxBatchSize, prefix + "batch_size", fail)
        try SizeLimits.check(steps, 0...SizeLimits.maxSteps, prefix + "steps", fail)
        try SizeLimits.check(epochs, 0...SizeLimits.maxEpochs, prefix + "epochs", fail)
        try SizeLimits.check(grad_accum, 1...SizeLimits.maxGradAccum, prefix + "grad_accum", fail)
        for (k, v) in [("warmup_steps", warmup_steps), ("eval_every", eval_every), ("checkpoint_every", checkpoint_every),
                       ("log_every", log_every), ("patience", patience)] {
            try SizeLimits.check(v, 0...SizeLimits.maxSteps, prefix + k, fail)
        }
        try SizeLimits.check(eval_batches, 0...SizeLimits.maxBatches, prefix + "eval_batches", fail)
    }
}
