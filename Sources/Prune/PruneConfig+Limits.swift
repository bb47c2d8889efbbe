// PruneConfig+Limits: the config's checks that need no model (choices, counts against their documented limits, target
// syntax, and the rule that a prune names a target), each failure a ConfigError naming the key.
import CondenseCore

extension PruneConfig {
    /// Checks every value that needs no model, once for the command line and recipes alike: a ConfigError names the
    /// bare key (the CLI spells it as its flag, a recipe as its path and line). Targets larger than the model are
    /// checked by `prune`, which has the model.
    public func validate() throws {
        func need(_ ok: Bool, _ key: String, _ expected: String, _ found: String) throws {
            if !ok { throw ConfigError("prune", key: key, expected: expected, found: found) }
        }
        let crit = PruneCriterion.allCases.map(\.rawValue), layerCrit = LayerCriterion.allCases.map(\.rawValue)
        try need(crit.contains(criterion), "criterion", "one of \(crit.joined(separator: ", "))", "\"\(criterion)\"")
        try need(layerCrit.contains(layer_criterion), "layer_criterion", "one of \(layerCrit.joined(separator: ", "))", "\"\(layer_criterion)\"")
        try checkCounts()
        try need(drop_layers.allSatisfy { $0 >= 0 }, "drop_layers", "block indices ≥ 0", "\(drop_layers)")
        for (key, value) in [("layers", layers), ("ffn", ffn), ("heads", heads), ("embd", embd), ("target_params", target_params)] {
            try need(Self.isSizeTarget(value), key, "a count (512) or a ratio (50% or 0.5), or empty", "\"\(value)\"")
        }
        try need(hidden.isEmpty || hidden.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { Self.isSizeTarget(String($0)) && !$0.isEmpty },
                 "hidden", "widths as counts or ratios, one for all layers or one per layer (\"300\", \"25%\", \"600,300\")", "\"\(hidden)\"")
    }

    /// The counts against their limits, as ConfigErrors.
    public func checkCounts() throws {
        try checkLimits { key, expected, found in ConfigError("prune", key: key, expected: expected, found: "\(found)") }
    }

    /// "", a positive count, "P%" with 0 < P ≤ 100, or a ratio in (0, 1).
    public static func isSizeTarget(_ s: String) -> Bool {
        let t = s.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return true }
        if t.hasSuffix("%") { return Double(t.dropLast()).map { $0 > 0 && $0 <= 100 } ?? false }
        if let n = Int(t) { return n >= 1 }
        return Double(t).map { $0 > 0 && $0 < 1 } ?? false
    }

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
