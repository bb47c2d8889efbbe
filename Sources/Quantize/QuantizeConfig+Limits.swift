// QuantizeConfig+Limits: counts against their documented limits, and `keep` patterns as valid layer globs.
import CondenseCore

extension QuantizeConfig {
    /// Characters a layer path can hold, plus the two wildcards `*` and `?`.
    static let globCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./*?")

    func checkLimits() throws {
        let fail = { (key: String, expected: String, found: Any) -> Error in
            QuantizeError("--\(key): expected \(expected), found \(found)")
        }
        try SizeLimits.check(calibration_batches, 1...SizeLimits.maxBatches, "calibration-batches", fail)
        try SizeLimits.check(calibration_batch_size, 1...SizeLimits.maxBatchSize, "calibration-batch-size", fail)
        let (rows, o) = calibration_batches.multipliedReportingOverflow(by: calibration_batch_size)
        if o || rows > SizeLimits.maxCalibrationRows {
            throw QuantizeError("--calibration-batches: \(calibration_batches) × --calibration-batch-size \(calibration_batch_size) calibration rows; expected at most \(SizeLimits.maxCalibrationRows)")
        }
        try SizeLimits.check(val_batches, 0...SizeLimits.maxBatches, "val-batches", fail)
        for p in keep where !p.allSatisfy({ Self.globCharacters.contains($0) }) || p.count > 256 {
            throw QuantizeError("--keep: \"\(p.prefix(80))\" is not a valid layer pattern: layer paths hold letters, digits, _ . / and the wildcards * and ?")
        }
    }

    /// `keep` patterns that match none of `layers` (the linear layer paths of the model quantize will see).
    public func unmatchedKeep(layers: [String]) -> [String] {
        keep.filter { p in !layers.contains { globMatch(p, $0) } }
    }
}
