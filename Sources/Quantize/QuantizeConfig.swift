// QuantizeConfig: the quantize stage's settings; every field has a default, so recipes hold overrides only.
import CondenseCore
import Foundation

/// SmoothQuant for GPT linear layers: off, or on with migration strength α ∈ [0, 1].
/// Encodes as the string "off" or a number; decodes also `false` (off) and `true` (α = 0.5).
public enum SmoothQuant: Codable, Equatable, Sendable, CustomStringConvertible {
    case off
    case alpha(Double)

    /// Parses "off", "none" or a number (the CLI form).
    public init?(_ text: String) {
        if text == "off" || text == "none" || text == "false" { self = .off }
        else if text == "on" || text == "true" { self = .alpha(0.5) }
        else if let v = Double(text) { self = .alpha(v) } else { return nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Double.self) { self = .alpha(v); return }
        if let b = try? c.decode(Bool.self) { self = b ? .alpha(0.5) : .off; return }
        let s = try c.decode(String.self)
        guard let q = SmoothQuant(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected \"off\" or a number in [0, 1], found \"\(s)\"")
        }
        self = q
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .off: try c.encode("off")
        case .alpha(let a): try c.encode(a)
        }
    }

    public var alpha: Double? { if case .alpha(let a) = self { return a }; return nil }
    public var description: String { alpha.map { "\($0)" } ?? "off" }
}

/// Field names equal the CLI options with underscores (`--calibration-batches` ↔ `calibration_batches`).
public struct QuantizeConfig: Codable, Equatable, Sendable {
    /// "dynamic" (per-token scales at run time) or "static" (per-tensor scales calibrated on training batches).
    public var activations = "dynamic"
    /// Static only: how a tensor's scale is chosen from calibration activations: minmax, percentile or mse.
    public var calibration = "minmax"
    /// Static with percentile: the percentile of |x| that maps to 127.
    public var percentile = 99.99
    /// Calibration (static scales, SmoothQuant statistics): batches from the training split.
    public var calibration_batches = 16
    public var calibration_batch_size = 32
    /// Calibrate on this HDF5 file's `input` dataset (as `predict` reads it) instead of training batches; "" = training split.
    public var calibration_data = ""
    /// GPT linear layers: "off" or a migration strength α ∈ [0, 1] (0.5 when enabled without a value).
    public var smoothquant: SmoothQuant = .off
    /// Weight precision: 8 (per-channel scale max|w|/127, values in [−127, 127]) or 7 (scale max|w|/63, values in
    /// [−63, 63]: "narrow" weights, which run the 3-op AVX2 kernel; the int32 results are the same on every path).
    public var weight_bits = 8
    /// Layers kept in float, as glob patterns over layer paths (`*` any run of characters), e.g. "*/c_proj".
    public var keep: [String] = []
    /// Validation batches for the metric before and after (0: the whole split).
    public var val_batches = 0
    /// Measure latency at batch 1 and batch N, before and after, for the report.
    public var latency = true
    /// Seeds the calibration sampler.
    public var seed: UInt64 = 1337

    public init() {}

    public static let activationModes = ["dynamic", "static"]
    public static let calibrationMethods = CalibrationMethod.allCases.map(\.rawValue)

    /// Checks every value, once for the command line and recipes alike; each failure is a ConfigError naming the key
    /// (the CLI spells it as its flag, a recipe as its path and line).
    public func validate() throws {
        func need(_ ok: Bool, _ key: String, _ expected: String, _ found: Any) throws {
            if !ok { throw ConfigError("quantize", key: key, expected: expected, found: "\(found)") }
        }
        try need(Self.activationModes.contains(activations), "activations", "dynamic or static", "\"\(activations)\"")
        try need(Self.calibrationMethods.contains(calibration), "calibration", "minmax, percentile or mse", "\"\(calibration)\"")
        try need(percentile > 0 && percentile <= 100, "percentile", "a percentile in (0, 100]", percentile)
        try need(calibration_batches >= 1, "calibration_batches", "≥ 1", calibration_batches)
        try need(calibration_batch_size >= 1, "calibration_batch_size", "≥ 1", calibration_batch_size)
        if let a = smoothquant.alpha { try need(a >= 0 && a <= 1 && a.isFinite, "smoothquant", "\"off\" or a migration strength in [0, 1]", a) }
        try need(weight_bits == 8 || weight_bits == 7, "weight_bits", "8 or 7", weight_bits)
        try need(val_batches >= 0, "val_batches", "≥ 0 (0: the whole split)", val_batches)
        if let p = keep.first(where: { $0.isEmpty }) { try need(false, "keep", "a non-empty layer pattern", "\"\(p)\"") }
        try checkLimits()
    }
}
