// KerasGraph: a Keras model config (config.json or the model_config attribute) mapped onto Condense's MLP.
import CondenseCore
import Foundation

/// One Keras Dense layer as the MLP needs it: its name (which locates its weights), widths and activation.
struct KerasDense: Equatable {
    var name: String
    /// Its group in a Keras 3 weights file: the class name in snake case, numbered by occurrence (dense, dense_1, …).
    var weightsKey: String
    var units: Int
    var activation: String
    var useBias: Bool
}

/// The layer stack of a Keras Sequential or functional model, reduced to what an MLP holds.
struct KerasGraph {
    /// Input features (the product of the input shape), when the config declares it.
    var inputs: Int?
    var dense: [KerasDense] = []
    /// The first Dropout rate (Condense's MLP has one rate; inference ignores it).
    var dropout: Float = 0

    static let mapped = ["Dense", "Dropout", "InputLayer", "Flatten", "Activation", "ReLU"]

    /// Parses the config JSON text; `file` and `origin` ("config.json" or "model_config") label errors.
    init(json text: String, file: String, origin: String) throws {
        guard let root = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), case .object = root else {
            throw FormatError(file: file, path: origin, "expected a JSON object describing the Keras model, found text that does not parse")
        }
        let cls = root["class_name"]?.string ?? "?"
        guard ["Sequential", "Functional", "Model"].contains(cls) else {
            throw FormatError(file: file, path: origin, "expected a Sequential or functional Keras model, found class \(cls)")
        }
        var layers: [JSONValue] = []
        if case .array(let a)? = root["config"]?["layers"] { layers = a } else if case .array(let a)? = root["config"] { layers = a }
        guard !layers.isEmpty else { throw FormatError(file: file, path: origin, "the \(cls) model lists no layers") }
        if cls != "Sequential" { try Self.checkChain(layers, file: file, origin: origin) }
        var shape: [Int]?
        for (i, layer) in layers.enumerated() {
            shape = try add(layer, index: i, shape: shape, file: file, origin: origin)
        }
        if inputs == nil, let s = Self.buildShape(root["config"]) ?? Self.buildShape(root) { inputs = s.reduce(1, *) }
        try finish(file: file, origin: origin)
    }

    /// Applies one layer; returns the feature shape after it (nil while unknown).
    private mutating func add(_ layer: JSONValue, index: Int, shape: [Int]?, file: String, origin: String) throws -> [Int]? {
        let cls = layer["class_name"]?.string ?? "?"
        let cfg = layer["config"] ?? .object([:])
        let name = cfg["name"]?.string ?? layer["name"]?.string ?? "layer \(index)"
        let at = "\(origin): layers[\(index)] '\(name)'"
        switch cls {
        case "InputLayer":
            guard let s = Self.shape(cfg["batch_shape"] ?? cfg["batch_input_shape"]) else {
                throw FormatError(file: file, path: at, "InputLayer without a fixed batch_shape; expected [null, features...]")
            }
            if dense.isEmpty { inputs = s.reduce(1, *) }
            return s
        case "Flatten":
            return shape.map { [$0.reduce(1, *)] }
        case "Dropout":
            if dropout == 0 { dropout = Float(cfg["rate"]?.number ?? 0) }
            return shape
        case "Activation", "ReLU":
            let act = cls == "ReLU" ? "relu" : Self.activationName(cfg["activation"])
            guard let last = dense.indices.last, dense[last].activation == "linear" else {
                throw FormatError(file: file, path: at, "an \(cls) layer must follow a Dense layer with a linear activation (Condense folds it into that layer)")
            }
            dense[last].activation = act
            return shape
        case "Dense":
            if let s = shape, s.count != 1 {
                throw FormatError(file: file, path: at, "Dense on an input of shape \(s); Condense's MLP needs flat features: add a Flatten layer before it")
            }
            if dense.isEmpty, inputs == nil, let s = Self.buildShape(layer) ?? Self.shape(cfg["batch_input_shape"]) { inputs = s.reduce(1, *) }
            guard let units = cfg["units"]?.number, units >= 1, units == units.rounded() else {
                throw FormatError(file: file, path: at, "Dense without a positive integer 'units'")
            }
            let bias: Bool
            if case .bool(let b)? = cfg["use_bias"] { bias = b } else { bias = true }
            let key = dense.isEmpty ? "dense" : "dense_\(dense.count)"
            dense.append(KerasDense(name: name, weightsKey: key, units: Int(units), activation: Self.activationName(cfg["activation"]), useBias: bias))
            return [Int(units)]
        default:
            throw FormatError(file: file, path: at, "unsupported layer class \(cls); Condense maps \(Self.mapped.joined(separator: ", ")) onto its MLP")
        }
    }

    /// The activations must fit an MLP: one relu or gelu after every hidden layer, none (or softmax) after the last.
    private func finish(file: String, origin: String) throws {
        guard let last = dense.last else {
            throw FormatError(file: file, path: origin, "the model has no Dense layer; Condense's MLP needs at least one")
        }
        let hidden = dense.dropLast()
        for d in hidden where !["relu", "gelu"].contains(d.activation) {
            throw FormatError(file: file, path: "\(origin): '\(d.name)'", "hidden Dense activation is \(d.activation); expected relu or gelu (Condense's MLP)")
        }
        if let a = hidden.first?.activation, let d = hidden.first(where: { $0.activation != a }) {
            throw FormatError(file: file, path: "\(origin): '\(d.name)'", "activation \(d.activation) differs from the first hidden layer's \(a); Condense's MLP uses one activation throughout")
        }
        guard ["linear", "softmax"].contains(last.activation) else {
            throw FormatError(file: file, path: "\(origin): '\(last.name)'", "the last Dense layer's activation is \(last.activation); expected linear (logits) or softmax")
        }
    }

    var activation: Activation { dense.count > 1 && dense[0].activation == "gelu" ? .gelu : .relu }

    /// A functional model must be a chain: each layer's one inbound layer is the layer before it.
    private static func checkChain(_ layers: [JSONValue], file: String, origin: String) throws {
        var previous: String?
        for (i, layer) in layers.enumerated() {
            let name = layer["config"]?["name"]?.string ?? layer["name"]?.string ?? "layer \(i)"
            var inbound: [String] = []
            collectInbound(layer["inbound_nodes"] ?? .null, into: &inbound)
            let distinct = Array(Set(inbound)).sorted()
            if let p = previous, distinct != [p] {
                throw FormatError(file: file, path: "\(origin): layers[\(i)] '\(name)'",
                                  "expected a single input from '\(p)' (a plain stack of layers), found inputs \(distinct)")
            }
            previous = name
        }
    }

    /// Inbound references are arrays [layer_name, node_index, tensor_index, ...] (Keras 2 nodes, Keras 3 keras_history).
    private static func collectInbound(_ v: JSONValue, into names: inout [String]) {
        switch v {
        case .array(let a):
            if a.count >= 3, let n = a[0].string, a[1].number != nil { names.append(n); return }
            for x in a { collectInbound(x, into: &names) }
        case .object(let o):
            for (_, x) in o { collectInbound(x, into: &names) }
        default: return
        }
    }

    private static func activationName(_ v: JSONValue?) -> String {
        switch v {
        case .string(let s)?: return s
        case .object?: return v?["config"]?.string ?? v?["config"]?["name"]?.string ?? v?["class_name"]?.string ?? "?"
        default: return "linear"
        }
    }

    /// [null, d1, d2, ...] → [d1, d2, ...] when every non-batch dimension is a number.
    private static func shape(_ v: JSONValue?) -> [Int]? {
        guard case .array(let a)? = v, a.count >= 2 else { return nil }
        let dims = a.dropFirst().compactMap { $0.number.map { Int($0) } }
        return dims.count == a.count - 1 ? dims : nil
    }

    private static func buildShape(_ v: JSONValue?) -> [Int]? {
        shape(v?["build_config"]?["input_shape"]) ?? shape(v?["build_input_shape"])
    }
}
