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
    /// Every parameter by its path (see `Architecture.parameterSpecs`); tied aliases are not separate entries.
    public var parameters: [String: Tensor]

    public init(architecture: Architecture, vocabulary: [String]? = nil, history: [JSONValue] = [],
                parameters: [String: Tensor]) {
        self.architecture = architecture
        self.vocabulary = vocabulary
        self.history = history
        self.parameters = parameters
    }

    /// Parameter count, tied tensors once (as PyTorch counts them).
    public var parameterCount: Int { architecture.parameterCount }

    /// Checks that `parameters` holds exactly the architecture's specs with the right shapes.
    public func validateParameters(file: String) throws {
        let specs = architecture.parameterSpecs
        for spec in specs {
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
