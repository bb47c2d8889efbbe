// ParameterStore: a model's named parameters with their gradients, in the file's canonical order.
public final class ParameterStore {
    /// Paths as in the model file (e.g. "transformer/h/0/attn/c_attn/weight").
    public let names: [String]
    public let values: [Tensor]
    public let grads: [Tensor]
    /// Whether AdamW applies weight decay: Linear weights only; no biases, LayerNorms or embeddings (as the issue
    /// and nanoGPT's intent specify).
    public let decay: [Bool]
    private let index: [String: Int]

    public init(specs: [ParameterSpec], values: [String: Tensor], decay: (String) -> Bool) {
        names = specs.map(\.path)
        self.values = specs.map { values[$0.path]! }
        grads = specs.map { Tensor(zeros: $0.shape) }
        self.decay = specs.map { decay($0.path) }
        index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    }

    /// Several stores seen as one, each name prefixed: the tensors (values and gradients) are the stores' own, so
    /// a backward into a store's network fills this one's gradients, and a step of this one moves that network.
    public init(joining stores: [(prefix: String, store: ParameterStore)]) {
        names = stores.flatMap { s in s.store.names.map { s.prefix + $0 } }
        values = stores.flatMap(\.store.values)
        grads = stores.flatMap(\.store.grads)
        decay = stores.flatMap(\.store.decay)
        index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    }

    public subscript(_ name: String) -> Tensor { values[index[name]!] }
    public func grad(_ name: String) -> Tensor { grads[index[name]!] }
    public func has(_ name: String) -> Bool { index[name] != nil }

    public var count: Int { values.reduce(0) { $0 + $1.count } }

    public func zeroGrads() { for g in grads { g.zero() } }

    /// The first parameter (or gradient) holding a NaN or Inf: its name and flat index.
    public func firstNonFinite(inGrads: Bool = false) -> (name: String, index: Int)? {
        for (i, t) in (inGrads ? grads : values).enumerated() {
            if let j = t.firstNonFinite() { return (names[i], j) }
        }
        return nil
    }

    /// Global L2 norm of all gradients, accumulated in Double.
    public func gradNorm() -> Double {
        grads.reduce(0.0) { $0 + Double($1.sumOfSquares()) }.squareRoot()
    }

    /// The parameters as a name → tensor map (the tensors themselves, not copies).
    public var dictionary: [String: Tensor] { Dictionary(uniqueKeysWithValues: zip(names, values).map { ($0, $1) }) }
}
