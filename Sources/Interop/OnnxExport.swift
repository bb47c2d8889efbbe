// OnnxExport: a Condense model (float or INT8, MLP or GPT) as an ONNX model, opset 17 and IR version 8.
import CondenseCore
import Foundation
import SwiftProtobuf

enum OnnxExport {
    /// The default-domain opset the graphs use (LayerNormalization needs 17) and the IR version that goes with it.
    static let opset: Int64 = 17
    static let irVersion: Int64 = 8

    /// How INT8 layers become ONNX ops: `exact` spells out our per-row symmetric scheme around MatMulInteger, so ORT
    /// computes what `condense predict` computes; `ort` uses DynamicQuantizeLinear (per tensor, asymmetric uint8),
    /// which ORT fuses into its DynamicQuantizeMatMul kernel: faster, with ORT's own activation rounding. `ort` stores
    /// the weights as uint8 (w + 128, zero point 128), whose products ORT sums exactly on every x86-64 CPU; `ort-s8`
    /// keeps them int8, which ORT runs faster where the CPU has VNNI but sums with a saturating int16 instruction
    /// (vpmaddubsw) where it has only AVX2, so there pairs of large products are clipped.
    enum Int8Ops: String, CaseIterable { case exact, ort, ortS8 = "ort-s8" }

    static func serialize(_ model: ModelFile, int8 ops: Int8Ops = .exact) throws -> Data {
        let b = OnnxGraphBuilder(name: "condense_\(model.architecture.family)")
        b.int8Ops = ops
        switch model.architecture {
        case .mlp(let c): buildMLP(b, model, c)
        case .gpt(let c): buildGPT(b, model, c)
        }
        var m = Onnx_ModelProto()
        m.irVersion = irVersion
        m.producerName = "condense"
        m.producerVersion = Condense.version
        var set = Onnx_OperatorSetIdProto()
        set.domain = ""
        set.version = opset
        m.opsetImport = [set]
        m.graph = b.graph
        m.docString = "Exported by condense \(Condense.version) from a \(model.architecture.family) model" +
            (model.isQuantized ? " with INT8 layers (MatMulInteger)" : "")
        return try m.serializedData()
    }

    /// y = x·Wᵀ + b over the last axis of `x`; an INT8 layer runs as MatMulInteger (below).
    static func linear(_ b: OnnxGraphBuilder, _ model: ModelFile, _ x: String, layer: String) -> String {
        let bias = model.parameters[layer + "/bias"]
        let safe = layer.replacingOccurrences(of: "/", with: ".")
        var y: String
        if let q = model.quantized[layer] {
            y = b.int8Ops != .exact && q.inputScale == nil
                ? ortDynamicMatMul(b, x, q, unsignedWeights: b.int8Ops == .ort, name: safe) : int8MatMul(b, x, q, name: safe)
        } else {
            let w = model.parameters[layer + "/weight"]!
            let (n, k) = (w.shape[0], w.shape[1])
            let wt = b.constant(safe + ".weight_t", shape: [k, n], floats: transposed(w.array, rows: n, cols: k))
            y = b.op1("MatMul", [x, wt], name: safe + ".MatMul")
        }
        if let bias { y = b.op1("Add", [y, b.constant(safe + ".bias", shape: [bias.count], floats: bias.array)], name: safe + ".Add") }
        return y
    }

    /// The INT8 layer of docs/FORMAT.md, step for step: x' = x / smooth; s = max|x'|/127 per row (dynamic) or the
    /// stored input_scale (static); q = clip(round_half_even(x'/s), −127, 127) as int8; MatMulInteger(q, qweightᵀ)
    /// in int32; then · s · weight_scale. An all-zero row has s = 0: it is divided by the smallest normal float
    /// instead, which gives q = 0 and so y = 0 as the format defines.
    static func int8MatMul(_ b: OnnxGraphBuilder, _ x: String, _ q: QuantizedLinear, name: String) -> String {
        var xs = x
        if let sm = q.smoothScale { xs = b.op1("Div", [x, b.constant(name + ".smooth_scale", shape: [q.k], floats: sm)], name: name + ".Smooth") }
        let s: String
        if let sx = q.inputScale {
            s = b.constant(name + ".input_scale", shape: [], floats: [sx])
        } else {
            let m = b.op1("ReduceMax", [b.op1("Abs", [xs], name: name + ".Abs")], name: name + ".ReduceMax", ["axes": .ints([-1]), "keepdims": .int(1)])
            s = b.op1("Div", [m, b.scalar(127, name + ".c127")], name: name + ".Scale")
        }
        let safeS = b.op1("Max", [s, b.scalar(Float.leastNormalMagnitude, name + ".tiny")], name: name + ".SafeScale")
        let r = b.op1("Round", [b.op1("Div", [xs, safeS], name: name + ".Div")], name: name + ".Round")
        let c = b.op1("Clip", [r, b.scalar(-127, name + ".lo"), b.scalar(127, name + ".hi")], name: name + ".Clip")
        let qx = b.op1("Cast", [c], name: name + ".CastInt8", ["to": .int(Int64(Onnx_TensorProto.DataType.int8.rawValue))])
        let qw = b.constant(name + ".qweight_t", shape: [q.k, q.n], int8: transposed(q.qweight, rows: q.n, cols: q.k))
        let acc = b.op1("MatMulInteger", [qx, qw], name: name + ".MatMulInteger")
        let f = b.op1("Cast", [acc], name: name + ".CastFloat", ["to": .int(Int64(Onnx_TensorProto.DataType.float.rawValue))])
        let ys = b.op1("Mul", [f, s], name: name + ".MulInputScale")
        return b.op1("Mul", [ys, b.constant(name + ".weight_scale", shape: [q.n], floats: q.weightScale)], name: name + ".MulWeightScale")
    }

    /// ORT's dynamic scheme: DynamicQuantizeLinear gives uint8 activations with a per-tensor scale and zero point;
    /// MatMulInteger takes that zero point and our weights, as int8 with zero point 0 or, with unsignedWeights, as
    /// uint8 w + 128 with zero point 128 (the same integers after the zero point); then · x_scale · weight_scale.
    static func ortDynamicMatMul(_ b: OnnxGraphBuilder, _ x: String, _ q: QuantizedLinear, unsignedWeights: Bool,
                                 name: String) -> String {
        var xs = x
        if let sm = q.smoothScale { xs = b.op1("Div", [x, b.constant(name + ".smooth_scale", shape: [q.k], floats: sm)], name: name + ".Smooth") }
        let dq = b.op("DynamicQuantizeLinear", [xs], outputs: 3, name: name + ".DynamicQuantizeLinear")
        let wt = transposed(q.qweight, rows: q.n, cols: q.k)
        let acc: String
        if unsignedWeights {
            let qw = b.constant(name + ".qweight_t_u8", shape: [q.k, q.n], uint8: wt.map { UInt8(Int($0) + 128) })
            let zp = b.constant(name + ".weight_zero_point", shape: [], uint8: [128])
            acc = b.op1("MatMulInteger", [dq[0], qw, dq[2], zp], name: name + ".MatMulInteger")
        } else {
            let qw = b.constant(name + ".qweight_t", shape: [q.k, q.n], int8: wt)
            acc = b.op1("MatMulInteger", [dq[0], qw, dq[2]], name: name + ".MatMulInteger")
        }
        let f = b.op1("Cast", [acc], name: name + ".CastFloat", ["to": .int(Int64(Onnx_TensorProto.DataType.float.rawValue))])
        let scale = b.op1("Mul", [dq[1], b.constant(name + ".weight_scale", shape: [q.n], floats: q.weightScale)], name: name + ".Scale")
        return b.op1("Mul", [f, scale], name: name + ".MulScale")
    }

    /// The exact GELU, 0.5·x·(1 + erf(x/√2)), as Condense computes it (ORT fuses the pattern into its Gelu kernel).
    static func gelu(_ b: OnnxGraphBuilder, _ x: String, name: String) -> String {
        let e = b.op1("Erf", [b.op1("Div", [x, b.scalar(Float(2).squareRoot(), name + ".sqrt2")], name: name + ".Div")], name: name + ".Erf")
        let one = b.op1("Add", [e, b.scalar(1, name + ".one")], name: name + ".Add")
        let half = b.op1("Mul", [x, b.scalar(0.5, name + ".half")], name: name + ".Half")
        return b.op1("Mul", [half, one], name: name + ".Mul")
    }

    /// input (batch, inputs) → linear/activation stack → logits (batch, classes).
    static func buildMLP(_ b: OnnxGraphBuilder, _ model: ModelFile, _ c: MLPConfig) {
        b.declare("input", type: .float, dims: ["batch", c.inputs], output: false)
        var x = "input"
        let n = c.hidden.count
        for i in 0...n {
            x = linear(b, model, x, layer: "layers/\(i)")
            if i < n { x = c.activation == .relu ? b.op1("Relu", [x], name: "layers.\(i).Relu") : gelu(b, x, name: "layers.\(i).Gelu") }
        }
        b.rename(x, to: "logits")
        b.declare("logits", type: .float, dims: ["batch", c.classes], output: true)
    }
}
