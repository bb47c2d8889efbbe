// QuantizedLinear: one INT8 linear layer as stored in a model file: qweight, weight_scale, optional input/smooth scales.
import Foundation

/// A linear layer whose weight is stored as symmetric per-output-channel int8 (see docs/FORMAT.md):
/// `weight ≈ weight_scale[j] · qweight[j, :]`, with `qweight` in [−127, 127]. The bias stays a float parameter.
public struct QuantizedLinear: Equatable {
    /// Activation schemes, stored in the layer group's `quant` attribute.
    public enum Scheme: String, CaseIterable, Sendable {
        /// Per-token activation scales computed at run time.
        case dynamic = "int8-dynamic"
        /// One calibrated per-tensor activation scale (`input_scale`).
        case `static` = "int8-static"
    }

    public var scheme: Scheme
    /// Output and input widths: qweight is (n, k), as PyTorch's (out, in).
    public var n: Int, k: Int
    public var qweight: [Int8]
    /// (n) per-output-channel scales, finite and > 0.
    public var weightScale: [Float]
    /// Static scheme only: the per-tensor activation scale (x ≈ input_scale · q).
    public var inputScale: Float?
    /// SmoothQuant: (k) per-input-channel divisors applied to x before quantization (already folded into qweight).
    public var smoothScale: [Float]?

    public init(scheme: Scheme, n: Int, k: Int, qweight: [Int8], weightScale: [Float], inputScale: Float? = nil,
                smoothScale: [Float]? = nil) {
        self.scheme = scheme; self.n = n; self.k = k; self.qweight = qweight; self.weightScale = weightScale
        self.inputScale = inputScale; self.smoothScale = smoothScale
    }

    /// Stored bytes: int8 weights plus float32 scales.
    public var bytes: Int { n * k + 4 * n + (inputScale == nil ? 0 : 4) + 4 * (smoothScale?.count ?? 0) }

    /// The float weight this layer stands for, (n, k): weight_scale[j]·qweight[j, i] / smooth_scale[i], so that
    /// the float forward through it matches the int8 forward up to activation rounding.
    public func dequantized() -> Tensor {
        let t = Tensor(uninitialized: [n, k])
        for j in 0..<n {
            let s = weightScale[j]
            for i in 0..<k { t[j * k + i] = s * Float(qweight[j * k + i]) }
            if let sm = smoothScale { for i in 0..<k { t[j * k + i] /= sm[i] } }
        }
        return t
    }

    /// Checks the invariants a reader or a quantizer must guarantee; the error names the layer and the value.
    public func validate(layer: String, file: String) throws {
        func fail(_ what: String, _ msg: String) throws { throw FormatError(file: file, path: layer + "/" + what, msg) }
        if qweight.count != n * k { try fail("qweight", "expected \(n)×\(k) values, found \(qweight.count)") }
        if weightScale.count != n { try fail("weight_scale", "expected \(n) values, found \(weightScale.count)") }
        if let i = qweight.firstIndex(of: -128) { try fail("qweight", "value −128 at element \(i); symmetric int8 weights lie in [−127, 127]") }
        if let i = weightScale.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            try fail("weight_scale", "element \(i) is \(weightScale[i]); expected a finite scale > 0")
        }
        switch scheme {
        case .static:
            guard let s = inputScale else { try fail("input_scale", "missing: the int8-static scheme needs a calibrated activation scale"); return }
            if !(s.isFinite && s > 0) { try fail("input_scale", "is \(s); expected a finite scale > 0") }
        case .dynamic:
            if inputScale != nil { try fail("input_scale", "present, but the int8-dynamic scheme computes activation scales at run time") }
        }
        if let sm = smoothScale {
            if sm.count != k { try fail("smooth_scale", "expected \(k) values, found \(sm.count)") }
            if let i = sm.firstIndex(where: { !($0.isFinite && $0 > 0) }) { try fail("smooth_scale", "element \(i) is \(sm[i]); expected a finite value > 0") }
        }
    }
}

extension ModelFile {
    /// True when any linear layer is stored as int8.
    public var isQuantized: Bool { !quantized.isEmpty }

    /// Linear layers that a quantizer may convert, by layer path (the weight's group), in canonical order, with
    /// their (out, in) shapes. Embeddings, LayerNorms and a tied lm_head (it is the embedding) are not linear layers here.
    public var linearLayers: [(path: String, n: Int, k: Int)] {
        architecture.parameterSpecs.compactMap { spec in
            guard spec.shape.count == 2, spec.path.hasSuffix("/weight"), !spec.path.contains("/wte/"), !spec.path.contains("/wpe/") else { return nil }
            return (String(spec.path.dropLast("/weight".count)), spec.shape[0], spec.shape[1])
        }
    }
}
