// PruneConfig+Limits: counts against their documented limits, and the rule that a prune names a target.
import CondenseCore

extension PruneConfig {
    /// Throws `fail(key, expected, found)` for a count out of range, and an error when no target is set.
    public func checkLimits(_ fail: (String, String, Any) -> Error) throws {
        try SizeLimits.check(calibration_batches, 1...SizeLimits.maxBatches, "calibration_batches", fail)
        try SizeLimits.check(calibration_batch_size, 1...SizeLimits.maxBatchSize, "calibration_batch_size", fail)
        let (rows, o) = calibration_batches.multipliedReportingOverflow(by: calibration_batch_size)
        if o || rows > SizeLimits.maxCalibrationRows {
            throw fail("calibration_batches", "calibration_batches × calibration_batch_size ≤ \(SizeLimits.maxCalibrationRows) rows",
                       "\(calibration_batches) × \(calibration_batch_size)")
        }
        try SizeLimits.check(val_batches, 0...SizeLimits.maxBatches, "val_batches", fail)
        try SizeLimits.check(search_val_batches, 1...SizeLimits.maxBatches, "search_val_batches", fail)
        try SizeLimits.check(max_candidates, 1...1_024, "max_candidates", fail)
        try SizeLimits.check(drop_layers.count, 0...Architecture.Limits.maxLayers, "drop_layers (count)", fail)
    }

    /// Whether any depth or width target is set (a prune without one would only copy the model).
    public var hasTarget: Bool {
        !drop_layers.isEmpty || ![layers, ffn, heads, embd, hidden, target_params].allSatisfy(\.isEmpty)
    }
}
