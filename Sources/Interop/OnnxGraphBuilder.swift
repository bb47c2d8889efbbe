// OnnxGraphBuilder: appends ONNX nodes and initializers with fresh names; the exporters speak in ops, not protobuf.
import CondenseCore
import Foundation
import SwiftProtobuf

/// An ONNX attribute value for `OnnxGraphBuilder.op`.
enum OnnxAttribute {
    case int(Int64), ints([Int64]), float(Float)
}

final class OnnxGraphBuilder {
    private(set) var graph = Onnx_GraphProto()
    private var counter = 0
    /// How the exporter lowers INT8 layers (OnnxExport.Int8Ops).
    var int8Ops: OnnxExport.Int8Ops = .exact

    init(name: String) { graph.name = name }

    /// A fresh value name with a readable prefix.
    func fresh(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)_\(counter)"
    }

    /// Appends one node; returns its output names (one per `outputs` count).
    @discardableResult
    func op(_ type: String, _ inputs: [String], outputs: Int = 1, name: String? = nil,
            _ attributes: [String: OnnxAttribute] = [:]) -> [String] {
        var n = Onnx_NodeProto()
        n.opType = type
        n.name = name ?? fresh(type)
        n.input = inputs
        n.output = (0..<outputs).map { _ in fresh(n.name + "_out") }
        for (k, v) in attributes.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = k
            switch v {
            case .int(let i): a.type = .int; a.i = i
            case .ints(let i): a.type = .ints; a.ints = i
            case .float(let f): a.type = .float; a.f = f
            }
            n.attribute.append(a)
        }
        graph.node.append(n)
        return n.output
    }

    /// A one-output node.
    func op1(_ type: String, _ inputs: [String], name: String? = nil, _ attributes: [String: OnnxAttribute] = [:]) -> String {
        op(type, inputs, outputs: 1, name: name, attributes)[0]
    }

    /// Adds a float32 initializer (row-major `values` of `shape`).
    func constant(_ name: String, shape: [Int], floats values: [Float]) -> String {
        precondition(values.count == shape.reduce(1, *))
        return initializer(name, shape: shape, type: .float, values)
    }

    func constant(_ name: String, shape: [Int], int8 values: [Int8]) -> String {
        initializer(name, shape: shape, type: .int8, values)
    }

    func constant(_ name: String, shape: [Int], uint8 values: [UInt8]) -> String {
        initializer(name, shape: shape, type: .uint8, values)
    }

    func constant(_ name: String, shape: [Int], int64 values: [Int64]) -> String {
        initializer(name, shape: shape, type: .int64, values)
    }

    /// Appends an initializer holding `values` as raw little-endian bytes (every target here is little-endian).
    private func initializer<T>(_ name: String, shape: [Int], type: Onnx_TensorProto.DataType, _ values: [T]) -> String {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = shape.map(Int64.init)
        t.dataType = Int32(type.rawValue)
        t.rawData = values.withUnsafeBytes { Data($0) }
        graph.initializer.append(t)
        return name
    }

    /// A scalar float constant with a fresh name.
    func scalar(_ v: Float, _ prefix: String = "c") -> String { constant(fresh(prefix), shape: [], floats: [v]) }

    /// Declares a graph input or output: element type and dims (a String dim is symbolic, e.g. "batch").
    func declare(_ name: String, type: Onnx_TensorProto.DataType, dims: [Any], output: Bool) {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var tt = Onnx_TypeProto.Tensor()
        tt.elemType = Int32(type.rawValue)
        var shape = Onnx_TensorShapeProto()
        for d in dims {
            var dim = Onnx_TensorShapeProto.Dimension()
            if let i = d as? Int { dim.dimValue = Int64(i) } else { dim.dimParam = "\(d)" }
            shape.dim.append(dim)
        }
        tt.shape = shape
        v.type.tensorType = tt
        if output { graph.output.append(v) } else { graph.input.append(v) }
    }

    /// Renames the last node's output to `name` (so a graph output has a stable name).
    func rename(_ value: String, to name: String) {
        for i in graph.node.indices.reversed() {
            if let j = graph.node[i].output.firstIndex(of: value) { graph.node[i].output[j] = name; return }
        }
    }
}

/// (out, in) row-major → (in, out) row-major: ONNX MatMul's right operand for y = x·Wᵀ.
func transposed<T>(_ w: [T], rows: Int, cols: Int) -> [T] {
    var out = w
    for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = w[r * cols + c] } }
    return out
}
