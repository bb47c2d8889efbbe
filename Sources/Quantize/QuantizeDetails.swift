// QuantizeDetails: the quantize report's details: per-layer SQNR and sizes, agreement with the float model.
import CondenseCore

/// One linear layer in the report.
public struct LayerRow: Codable, Equatable, Sendable {
    public var layer: String
    /// (out, in)
    public var shape: [Int]
    public var kept_float: Bool
    /// "int8-dynamic", "int8-static" or "float32" (kept).
    public var scheme: String
    /// 10·log10(‖W‖² / ‖W − Ŵ‖²); nil when kept in float.
    public var weight_sqnr_db: Double?
    /// The layer's output against float on calibration inputs, activation quantization included.
    public var output_sqnr_db: Double?
    public var input_scale: Double?
    /// SmoothQuant divisors' [min, max], when used.
    public var smooth_range: [Double]?
    public var bytes_float: Int
    public var bytes_int8: Int
}

public struct QuantizeDetails: Codable, Equatable, Sendable {
    public var activations: String
    public var calibration: String?
    /// Calibration samples: images, or block_size-token sequences.
    public var calibration_samples: Int
    public var smoothquant: Double?
    /// 8, or 7 (weights in [−63, 63]).
    public var weight_bits: Int?
    public var layers: [LayerRow]
    public var kept: [String]
    public var agreement: Agreement
    public var val_loss_before: Double
    public var val_loss_after: Double
    /// Bytes of the linear layers' weights in float32, and as stored after quantization.
    public var linear_bytes_float: Int
    public var linear_bytes_after: Int
}
