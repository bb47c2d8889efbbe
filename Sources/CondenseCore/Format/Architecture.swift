// Architecture: the model families' configurations, as stored in the file's `architecture` JSON attribute.
import Foundation

public enum Activation: String, Codable, Sendable, CaseIterable { case relu, gelu }

/// A multilayer perceptron: inputs → hidden[0] → … → classes, an activation after every hidden layer.
public struct MLPConfig: Codable, Equatable, Sendable {
    public var inputs: Int
    public var hidden: [Int]
    public var classes: Int
    public var activation: Activation
    /// Training-time dropout after each hidden activation; inference ignores it.
    public var dropout: Float

    public init(inputs: Int, hidden: [Int], classes: Int, activation: Activation = .relu, dropout: Float = 0) {
        self.inputs = inputs; self.hidden = hidden; self.classes = classes
        self.activation = activation; self.dropout = dropout
    }

    /// Widths of every layer boundary: [inputs, hidden..., classes].
    public var widths: [Int] { [inputs] + hidden + [classes] }

    /// `inputs`, `hidden` and `classes` are required; `activation` defaults to relu and `dropout` to 0.
    public init(from decoder: Decoder) throws {
        let k = try decoder.container(keyedBy: CodingKeys.self)
        inputs = try k.decode(Int.self, forKey: .inputs)
        hidden = try k.decode([Int].self, forKey: .hidden)
        classes = try k.decode(Int.self, forKey: .classes)
        activation = try k.decodeIfPresent(Activation.self, forKey: .activation) ?? .relu
        dropout = try k.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
    }
}

/// nanoGPT's architecture with decoupled widths: attention width n_head·head_dim need not equal n_embd,
/// and ffn_hidden need not equal 4·n_embd, so that pruned shapes are representable.
public struct GPTConfig: Codable, Equatable, Sendable {
    public var n_layer: Int
    public var n_head: Int
    public var head_dim: Int
    public var n_embd: Int
    public var ffn_hidden: Int
    public var block_size: Int
    public var vocab_size: Int
    public var bias: Bool
    public var tie_embeddings: Bool
    public var dropout: Float

    public init(n_layer: Int, n_head: Int, head_dim: Int, n_embd: Int, ffn_hidden: Int, block_size: Int,
                vocab_size: Int, bias: Bool = true, tie_embeddings: Bool = true, dropout: Float = 0) {
        self.n_layer = n_layer; self.n_head = n_head; self.head_dim = head_dim; self.n_embd = n_embd
        self.ffn_hidden = ffn_hidden; self.block_size = block_size; self.vocab_size = vocab_size
        self.bias = bias; self.tie_embeddings = tie_embeddings; self.dropout = dropout
    }

    /// Attention width H·Dh.
    public var attnWidth: Int { n_head * head_dim }

    /// n_layer, n_head, n_embd, block_size and vocab_size are required. The rest take nanoGPT's values when absent:
    /// head_dim n_embd / n_head (which must divide), ffn_hidden 4·n_embd, bias true, tie_embeddings true, dropout 0.
    public init(from decoder: Decoder) throws {
        let k = try decoder.container(keyedBy: CodingKeys.self)
        n_layer = try k.decode(Int.self, forKey: .n_layer)
        n_head = try k.decode(Int.self, forKey: .n_head)
        n_embd = try k.decode(Int.self, forKey: .n_embd)
        block_size = try k.decode(Int.self, forKey: .block_size)
        vocab_size = try k.decode(Int.self, forKey: .vocab_size)
        if let d = try k.decodeIfPresent(Int.self, forKey: .head_dim) {
            head_dim = d
        } else {
            guard n_head >= 1, n_embd % n_head == 0 else {
                throw DecodingError.dataCorruptedError(forKey: .head_dim, in: k, debugDescription:
                    "absent, and its default n_embd / n_head is not whole (n_embd \(n_embd), n_head \(n_head)); give head_dim")
            }
            head_dim = n_embd / n_head
        }
        ffn_hidden = try k.decodeIfPresent(Int.self, forKey: .ffn_hidden) ?? 4 * n_embd
        bias = try k.decodeIfPresent(Bool.self, forKey: .bias) ?? true
        tie_embeddings = try k.decodeIfPresent(Bool.self, forKey: .tie_embeddings) ?? true
        dropout = try k.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
    }
}

public enum Architecture: Equatable, Sendable {
    case mlp(MLPConfig)
    case gpt(GPTConfig)

    public var family: String {
        switch self {
        case .mlp: return "mlp"
        case .gpt: return "gpt"
        }
    }

    public static let families = ["mlp", "gpt"]
}

extension Architecture {
    /// The compact JSON stored in the file: `{"family": "...", ...fields}` with sorted keys.
    public func json() -> String {
        var obj: [String: JSONValue]
        switch self {
        case .mlp(let c): obj = Self.objectFields(c)
        case .gpt(let c): obj = Self.objectFields(c)
        }
        obj["family"] = .string(family)
        return JSONValue.object(obj).description
    }

    private static func objectFields<T: Encodable>(_ c: T) -> [String: JSONValue] {
        if case .object(let o) = try! JSONValue(encoding: c) { return o }
        return [:]
    }

    /// Parses and checks the architecture JSON; `file` is named in errors.
    public init(json text: String, file: String) throws {
        let bad = { (msg: String) in FormatError(file: file, path: "architecture", msg) }
        guard let root = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
              case .object(let obj) = root else {
            throw bad("malformed architecture JSON: expected a JSON object, found \(text.prefix(80).debugDescription)")
        }
        guard let family = obj["family"]?.string else {
            throw bad("architecture JSON has no \"family\" string; expected one of \(Self.families.joined(separator: ", "))")
        }
        var fields = obj
        fields["family"] = nil
        let data = try JSONEncoder().encode(JSONValue.object(fields))
        do {
            switch family {
            case "mlp":
                try Self.checkKeys(fields, allowed: ["inputs", "hidden", "classes", "activation", "dropout"], bad: bad)
                self = .mlp(try JSONDecoder().decode(MLPConfig.self, from: data))
            case "gpt":
                try Self.checkKeys(fields, allowed: ["n_layer", "n_head", "head_dim", "n_embd", "ffn_hidden", "block_size",
                                                     "vocab_size", "bias", "tie_embeddings", "dropout"], bad: bad)
                self = .gpt(try JSONDecoder().decode(GPTConfig.self, from: data))
            default:
                throw bad("unknown model family \"\(family)\"; expected one of \(Self.families.joined(separator: ", "))")
            }
        } catch let e as DecodingError {
            throw bad("malformed \(family) architecture: \(e.conciseDescription)")
        }
        try validate(file: file)
    }

    private static func checkKeys(_ fields: [String: JSONValue], allowed: [String],
                                  bad: (String) -> FormatError) throws {
        for key in fields.keys.sorted() where !allowed.contains(key) {
            let hint = closestMatch(key, in: allowed).map { "; did you mean \"\($0)\"?" } ?? ""
            throw bad("unknown architecture key \"\(key)\"\(hint)")
        }
    }

    /// Range checks on every field; errors name the field, the expected range and the value found.
    public func validate(file: String) throws {
        func need(_ ok: Bool, _ key: String, _ expected: String, _ found: Any) throws {
            if !ok { throw FormatError(file: file, path: "architecture.\(key)", "expected \(expected), found \(found)") }
        }
        switch self {
        case .mlp(let c):
            try need(c.inputs >= 1, "inputs", "≥ 1", c.inputs)
            try need(c.classes >= 1, "classes", "≥ 1", c.classes)
            for (i, h) in c.hidden.enumerated() { try need(h >= 1, "hidden[\(i)]", "≥ 1", h) }
            try need(c.dropout >= 0 && c.dropout < 1, "dropout", "in [0, 1)", c.dropout)
        case .gpt(let c):
            try need(c.n_layer >= 0, "n_layer", "≥ 0", c.n_layer)
            try need(c.n_head >= 1, "n_head", "≥ 1", c.n_head)
            try need(c.head_dim >= 1, "head_dim", "≥ 1", c.head_dim)
            try need(c.n_embd >= 1, "n_embd", "≥ 1", c.n_embd)
            try need(c.ffn_hidden >= 1, "ffn_hidden", "≥ 1", c.ffn_hidden)
            try need(c.block_size >= 1, "block_size", "≥ 1", c.block_size)
            try need(c.vocab_size >= 1, "vocab_size", "≥ 1", c.vocab_size)
            try need(c.dropout >= 0 && c.dropout < 1, "dropout", "in [0, 1)", c.dropout)
        }
        try checkLimits(file: file)
    }
}

extension DecodingError {
    /// One line naming the key path and what went wrong.
    public var conciseDescription: String {
        func path(_ ctx: Context) -> String {
            let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "top level" : p
        }
        switch self {
        case .keyNotFound(let key, let ctx):
            let at = path(ctx)
            return "missing key \"\(key.stringValue)\"" + (at == "top level" ? "" : " in \(at)")
        case .typeMismatch(let type, let ctx): return "\(path(ctx)): expected \(type), \(ctx.debugDescription)"
        case .valueNotFound(let type, let ctx): return "\(path(ctx)): expected a \(type) value, found null"
        case .dataCorrupted(let ctx): return "\(path(ctx)): \(ctx.debugDescription)"
        @unknown default: return "\(self)"
        }
    }
}
