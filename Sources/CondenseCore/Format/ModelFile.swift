// ModelFile: a model as stored on disk (format v1): architecture, vocabulary, history and parameters.
import Foundation

public enum Condense {
    public static let version = "0.1.0"
    public static let formatTag = "condense.model"
    public static let formatVersion: Int64 = 1
}

public struct ModelFile {
    public var architecture: Architecture
    /// Text models: the characters, in token-id order.
    public var vocabulary: [String]?
    /// One record per stage that produced this file, oldest first.
    public var history: [JSONValue]
    /// Every float parameter by its path (see `Architecture.parameterSpecs`); tied aliases are not separate entries.
    /// The weight of a quantized linear layer is absent here: it is in `quantized`.
    public var parameters: [String: Tensor]
    /// INT8 linear layers by layer path (the group holding `qweight`, e.g. "layers/0" or "transformer/h/0/mlp/c_fc").
    public var quantized: [String: QuantizedLinear]

    public init(architecture: Architecture, vocabulary: [String]? = nil, history: [JSONValue] = [],
                parameters: [String: Tensor], quantized: [String: QuantizedLinear] = [:]) {
        self.architecture = architecture
        self.vocabulary = vocabulary
        self.history = history
        self.parameters = parameters
        self.quantized = quantized
    }

    /// The float parameters with every quantized weight replaced by its dequantized form (what a network runs on
    /// when it needs float weights, e.g. to compare against the int8 forward).
    public var floatParameters: [String: Tensor] {
        var p = parameters
        for (layer, q) in quantized { p[layer + "/weight"] = q.dequantized() }
        return p
    }

    /// Parameter count, tied tensors once (as PyTorch counts them).
    public var parameterCount: Int { architecture.parameterCount }

    /// Checks that `parameters` holds exactly the architecture's specs with the right shapes.
    public func validateParameters(file: String) throws {
        let specs = architecture.parameterSpecs
        let layers = Dictionary(uniqueKeysWithValues: linearLayers.map { ($0.path, $0) })
        for (layer, q) in quantized.sorted(by: { $0.key < $1.key }) {
            guard let l = layers[layer] else {
                throw FormatError(file: file, path: layer, "quantized layer: the \(architecture.family) architecture has no linear layer here")
            }
            guard q.n == l.n, q.k == l.k else {
                throw FormatError(file: file, path: layer + "/qweight", "expected shape [\(l.n), \(l.k)], found [\(q.n), \(q.k)]")
            }
            try q.validate(layer: layer, file: file)
            if parameters[layer + "/weight"] != nil {
                throw FormatError(file: file, path: layer + "/weight", "a quantized layer has qweight, not a float weight")
            }
        }
        for spec in specs {
            if spec.path.hasSuffix("/weight"), quantized[String(spec.path.dropLast("/weight".count))] != nil { continue }
            guard let t = parameters[spec.path] else {
                throw FormatError(file: file, path: spec.path, "missing parameter; expected shape \(spec.shape)")
            }
            guard t.shape == spec.shape else {
                throw FormatError(file: file, path: spec.path, "expected shape \(spec.shape), found \(t.shape)")
            }
        }
        let known = Set(specs.map(\.path))
        if let extra = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw FormatError(file: file, path: extra, "unexpected parameter: \(architecture.family) architecture has no such tensor")
        }
    }
}

/// A stage's history record, as stored in the file's `history` attribute.
public struct HistoryRecord: Codable {
    public var stage: String
    public var config: JSONValue
    public var params_before: Int?
    public var params_after: Int
    public var metrics: JSONValue
    public var seed: UInt64?
    public var tool_version: String
    public var time: String

    public init(stage: String, config: JSONValue = .object([:]), paramsBefore: Int? = nil, paramsAfter: Int,
                metrics: JSONValue = .object([:]), seed: UInt64? = nil) {
        self.stage = stage
        self.config = config
        self.params_before = paramsBefore
        self.params_after = paramsAfter
        self.metrics = metrics
        self.seed = seed
        self.tool_version = Condense.version
        self.time = ISO8601DateFormatter().string(from: Date())
    }

    public var json: JSONValue { (try? JSONValue(encoding: self)) ?? .null }
}
