// Int8Linear: a Linear layer with symmetric per-output-channel int8 weights, packed once for our VNNI kernel.
import CInt8

public enum Int8Activation: Int32 { case none = 0, relu = 1, gelu = 2 }

public struct Int8Error: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The single owner of one packed-weight handle (`ci8_packed`); it frees it in deinit.
public final class Int8Linear {
    /// Output and input widths: weight (N, K), as PyTorch's (out, in).
    public let n: Int, k: Int
    /// The int8 weights as stored in a file: (N, K), values in [−127, 127].
    public let qweight: [Int8]
    /// Per-output-channel scales: w ≈ weight_scale[j]·qweight[j, :].
    public let weightScale: [Float]
    public let bias: [Float]?
    private let packed: OpaquePointer

    /// Symmetric per-channel quantization of float weights (N, K): scale = max|w_j|/127, q = round(w/scale)
    /// (ties to even), clamped to [−127, 127]. An all-zero row gets scale 1.
    public convenience init(weight: Tensor, bias: Tensor?) throws {
        precondition(weight.rank == 2)
        let n = weight.shape[0], k = weight.shape[1]
        let (q, scales) = try Int8Linear.quantizePerChannel(weight.data, n: n, k: k)
        try self.init(n: n, k: k, qweight: q, weightScale: scales, bias: bias?.array)
    }

    /// The quantization of `init(weight:bias:)`, on its own: (qweight (N·K), weight_scale (N)). A non-finite
    /// weight is an error naming its (row, column).
    public static func quantizePerChannel(_ w: UnsafePointer<Float>, n: Int, k: Int, maxLevel: Float = 127) throws -> ([Int8], [Float]) {
        var q = [Int8](repeating: 0, count: n * k)
        var scales = [Float](repeating: 1, count: n)
        for j in 0..<n {
            let row = w + j * k
            if let bad = Ops.firstNonFinite(row, k) { throw Int8Error(message: "weight (\(j), \(bad)) is \(row[bad]); int8 weights must be finite") }
            let m = Ops.maxAbs(row, k)
            let s: Float = m > 0 ? m / maxLevel : 1
            scales[j] = s
            for i in 0..<k { q[j * k + i] = Int8(max(-maxLevel, min(maxLevel, (row[i] / s).rounded(.toNearestOrEven)))) }
        }
        return (q, scales)
    }

    /// From stored int8 weights and scales (as read from a file).
    public init(n: Int, k: Int, qweight: [Int8], weightScale: [Float], bias: [Float]?) throws {
        guard qweight.count == n * k, weightScale.count == n, bias.map({ $0.count == n }) ?? true else {
            throw Int8Error(message: "int8 linear: qweight needs \(n)×\(k), weight_scale and bias \(n) values")
        }
        self.n = n; self.k = k; self.qweight = qweight; self.weightScale = weightScale; self.bias = bias
        var err: Int32 = 0
        guard let p = qweight.withUnsafeBufferPointer({ ci8_pack_weights($0.baseAddress, n, k, k, &err) }) else {
            throw Int8Error(message: Int(err) == CI8_ERANGE ? "int8 linear: a weight is −128 or K > 65536" : "int8 linear: packing failed (\(err))")
        }
        packed = p
    }

    deinit { ci8_packed_free(packed) }

    /// Dequantized weights (N, K): weight_scale[j]·qweight[j, i].
    public func dequantized() -> Tensor {
        let t = Tensor(uninitialized: [n, k])
        for j in 0..<n { for i in 0..<k { t[j * k + i] = weightScale[j] * Float(qweight[j * k + i]) } }
        return t
    }

    /// y (M, N) = act(x · Wᵀ + b) with x (M, K) quantized per row (token) at run time; rowScales (M) receives the
    /// activation scales if given.
    public func forwardDynamic(x: UnsafePointer<Float>, m: Int, out: UnsafeMutablePointer<Float>,
                               activation: Int8Activation = .none, rowScales: UnsafeMutablePointer<Float>? = nil) {
        let scratch = rowScales ?? UnsafeMutablePointer<Float>.allocate(capacity: max(m, 1))
        defer { if rowScales == nil { scratch.deallocate() } }
        let rc = weightScale.withUnsafeBufferPointer { sw in
            withBias { b in ci8_linear_dynamic(x, m, k, packed, sw.baseAddress, b, activation.rawValue, out, n, scratch, nil) }
        }
        precondition(rc == 0, "ci8_linear_dynamic failed (\(rc))")
    }

    /// The same with a fixed per-tensor activation scale (static, calibrated).
    public func forwardStatic(x: UnsafePointer<Float>, m: Int, inputScale: Float, out: UnsafeMutablePointer<Float>,
                              activation: Int8Activation = .none) {
        let rc = weightScale.withUnsafeBufferPointer { sw in
            withBias { b in ci8_linear_static(x, m, k, packed, inputScale, sw.baseAddress, b, activation.rawValue, out, n, nil) }
        }
        precondition(rc == 0, "ci8_linear_static failed (\(rc))")
    }

    private func withBias<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        if let bias { return bias.withUnsafeBufferPointer { body($0.baseAddress) } }
        return body(nil)
    }
}
