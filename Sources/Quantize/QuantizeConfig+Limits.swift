// QuantizeConfig+Limits: counts against their documented limits, and `keep` patterns as valid layer globs.
import CondenseCore

extension QuantizeConfig {
    /// Characters a layer path can hold, plus the two wildcards `*` and `?`.
    static let globCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./*?")

    func checkLimits() throws {
        let fail = { (key: String, expected: String, found: Any) -> Error in
            ConfigError("quantize", key: key, expected: expected, found: "\(found)")
        }
        try SizeLimits.check(calibration_batches, 1...SizeLimits.maxBatches, "calibration_batches", fail)
        try SizeLimits.check(calibration_batch_size, 1...SizeLimits.maxBatchSize, "calibration_batch_size", fail)
        let (rows, o) = calibration_batches.multipliedReportingOverflow(by: calibration_batch_size)
        if o || rows > SizeLimits.maxCalibrationRows {
            throw fail("calibration_batches", "at most \(SizeLimits.maxCalibrationRows) calibration rows (calibration_batches × calibration_batch_size)",
                       "\(calibration_batches) × \(calibration_batch_size)")
        }
        try SizeLimits.check(val_batches, 0...SizeLimits.maxBatches, "val_batches", fail)
        for p in keep where !p.allSatisfy({ Self.globCharacters.contains($0) }) || p.count > 256 {
            throw fail("keep", "a layer pattern of letters, digits, _ . / and the wildcards * and ? (at most 256 characters)", "\"\(p.prefix(80))\"")
        }
    }

    /// `keep` patterns that match none of `layers` (the linear layer paths of the model quantize will see).
    public func unmatchedKeep(layers: [String]) -> [String] {
        keep.filter { p in !layers.contains { globMatch(p, $0) } }
    }
}
