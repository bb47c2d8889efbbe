// Network: what every model family offers: a training forward that returns logits, and a backward from dlogits.
public enum NetworkInput {
    /// (B, inputs) float features, e.g. flattened images.
    case features(UnsafePointer<Float>, batch: Int)
    /// (B, T) token ids.
    case tokens(UnsafePointer<Int32>, batch: Int, seq: Int)

    /// Rows of the logits this input produces: B for features, B·T for tokens.
    public var rows: Int {
        switch self {
        case .features(_, let b): return b
        case .tokens(_, let b, let t): return b * t
        }
    }
}

public protocol Network: AnyObject {
    var architecture: Architecture { get }
    var params: ParameterStore { get }
    /// Width of one row of logits (classes, or vocabulary size).
    var outputs: Int { get }
    /// Runs the model and returns logits (rows, outputs), valid until the next forward. With `training`, dropout
    /// is applied and activations are kept for `backward`.
    func forward(_ input: NetworkInput, training: Bool, rng: inout RNG) -> UnsafeMutablePointer<Float>
    /// Back-propagates dlogits (rows, outputs) of the last training forward, accumulating into params.grads.
    func backward(dlogits: UnsafePointer<Float>)
    /// INT8 linear layers by layer path; these run through the int8 kernel (inference only).
    var int8Layers: [String: Int8Layer] { get set }
    /// Called before every linear layer of a forward (calibration statistics); nil normally.
    var linearObserver: LinearObserver? { get set }
}

extension Network {
    /// Inference forward (no dropout, no RNG use).
    public func predict(_ input: NetworkInput) -> UnsafeMutablePointer<Float> {
        var rng = RNG(seed: 0)
        return forward(input, training: false, rng: &rng)
    }

    /// The model file for the current weights (parameters are copied, so later training does not change it).
    public func modelFile(vocabulary: [String]? = nil, history: [JSONValue] = []) -> ModelFile {
        var p: [String: Tensor] = [:]
        for (n, t) in zip(params.names, params.values) { p[n] = t.copy() }
        return ModelFile(architecture: architecture, vocabulary: vocabulary, history: history, parameters: p)
    }

    public var parameterCount: Int { architecture.parameterCount }
}

/// Builds the network for a model file (its float tensors are shared, not copied; int8 layers are packed for the kernel).
public func makeNetwork(_ model: ModelFile) -> Network {
    let p = model.isQuantized ? model.floatParameters : model.parameters
    switch model.architecture {
    case .mlp(let c): return attachInt8(MLP(config: c, parameters: p), model)
    case .gpt(let c): return attachInt8(GPT(config: c, parameters: p), model)
    }
}

/// A freshly initialised network: GPT as nanoGPT (normal 0.02, residual projections 0.02/√(2·n_layer)),
/// MLP as PyTorch's nn.Linear default (uniform ±1/√fan_in).
public func makeNetwork(_ arch: Architecture, seed: UInt64) -> Network {
    var rng = RNG(seed: seed)
    var p: [String: Tensor] = [:]
    for spec in arch.parameterSpecs {
        let t = Tensor(zeros: spec.shape)
        switch arch {
        case .mlp:
            let fanIn = Float(arch.parameterSpecs.first { $0.path == spec.path.replacingOccurrences(of: "/bias", with: "/weight") }!.shape[1])
            let bound = 1 / fanIn.squareRoot()
            t.fillUniform(-bound, bound, rng: &rng)
        case .gpt(let c):
            if spec.path.hasSuffix("ln_1/weight") || spec.path.hasSuffix("ln_2/weight") || spec.path.hasSuffix("ln_f/weight") {
                t.fill(1)
            } else if spec.path.hasSuffix("/bias") {
                t.zero()
            } else if spec.path.hasSuffix("c_proj/weight") {
                t.fillNormal(std: 0.02 / (2 * Float(c.n_layer)).squareRoot(), rng: &rng)
            } else {
                t.fillNormal(std: 0.02, rng: &rng)
            }
        }
        p[spec.path] = t
    }
    return makeNetwork(ModelFile(architecture: arch, parameters: p))
}
