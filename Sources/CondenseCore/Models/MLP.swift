// MLP: the multilayer-perceptron family, forward and backward over Linear → activation → dropout blocks.
public final class MLP: Network {
    public let config: MLPConfig
    public let params: ParameterStore
    public var architecture: Architecture { .mlp(config) }
    public var outputs: Int { config.classes }
    public var int8Layers: [String: Int8Layer] = [:]
    public var linearObserver: LinearObserver?

    private let widths: [Int]
    private var batch = 0
    // Activations for the current batch size; layer i maps acts[i] (B, widths[i]) to pre[i] (B, widths[i+1]).
    private var acts: [Tensor] = []   // acts[0] = input copy; acts[i+1] = dropout(act(pre[i])) for hidden i
    private var pre: [Tensor] = []    // pre-activations (the last one is the logits)
    public private(set) var post: [Tensor] = []   // act(pre[i]) before dropout, hidden layers only (read by pruning)
    private var masks: [Tensor] = []  // dropout masks, hidden layers only
    private var dA: Tensor = Tensor(zeros: [0]), dB: Tensor = Tensor(zeros: [0])
    private var trainedDropout = false

    public init(config: MLPConfig, parameters: [String: Tensor]) {
        self.config = config
        widths = config.widths
        params = ParameterStore(specs: Architecture.mlp(config).parameterSpecs, values: parameters,
                                decay: { $0.hasSuffix("/weight") })
    }

    private var layers: Int { widths.count - 1 }

    private func ensure(batch b: Int) {
        guard b != batch else { return }
        batch = b
        acts = widths.dropLast().map { Tensor(zeros: [b, $0]) }
        pre = widths.dropFirst().map { Tensor(zeros: [b, $0]) }
        post = widths.dropFirst().dropLast().map { Tensor(zeros: [b, $0]) }
        masks = widths.dropFirst().dropLast().map { Tensor(zeros: [b, $0]) }
        let widest = widths.max()!
        dA = Tensor(zeros: [b, widest])
        dB = Tensor(zeros: [b, widest])
    }

    public func forward(_ input: NetworkInput, training: Bool, rng: inout RNG) -> UnsafeMutablePointer<Float> {
        guard case .features(let x, let b) = input else { preconditionFailure("MLP takes feature input") }
        ensure(batch: b)
        acts[0].data.update(from: x, count: b * widths[0])            // x (B, inputs)
        let p = training ? config.dropout : 0
        trainedDropout = p > 0
        for i in 0..<layers {
            // acts[i] (B, C) · Wᵀ (C, OC) + b → pre[i] (B, OC)
            linearLayer("layers/\(i)", out: pre[i].data, inp: acts[i].data, n: b, c: widths[i], oc: widths[i + 1], training: training)
            guard i < layers - 1 else { break }
            let n = b * widths[i + 1]
            switch config.activation {
            case .relu: reluForward(out: post[i].data, inp: pre[i].data, n: n)
            case .gelu: geluForward(out: post[i].data, inp: pre[i].data, n: n)
            }
            dropoutForward(out: acts[i + 1].data, mask: masks[i].data, inp: post[i].data, n: n, p: p, rng: &rng)
        }
        return pre[layers - 1].data                                      // logits (B, classes)
    }

    public func backward(dlogits: UnsafePointer<Float>) {
        let b = batch
        var dout = UnsafePointer(dlogits)                                // d pre[i] (B, widths[i+1])
        for i in stride(from: layers - 1, through: 0, by: -1) {
            let w = params["layers/\(i)/weight"]
            let din: UnsafeMutablePointer<Float>? = i > 0 ? (i % 2 == 0 ? dA.data : dB.data) : nil
            linearBackward(dinp: din, dweight: params.grad("layers/\(i)/weight").data,
                           dbias: params.grad("layers/\(i)/bias").data, dout: dout, inp: acts[i].data,
                           weight: w.data, n: b, c: widths[i], oc: widths[i + 1])
            guard let d = din else { break }
            // d acts[i] → d post[i-1] → d pre[i-1], in place
            let n = b * widths[i]
            dropoutBackward(dinp: d, dout: d, mask: masks[i - 1].data, n: n, p: trainedDropout ? config.dropout : 0)
            switch config.activation {
            case .relu: reluBackward(dinp: d, dout: d, out: post[i - 1].data, n: n)
            case .gelu: geluBackward(dinp: d, dout: d, inp: pre[i - 1].data, n: n)
            }
            dout = UnsafePointer(d)
        }
    }
}
