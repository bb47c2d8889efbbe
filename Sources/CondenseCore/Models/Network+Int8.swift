// Network+Int8: the one place a forward pass chooses between a float linear layer and its int8 form, and calibration hooks in.
/// Sees each linear layer's input during a forward: (layer path, input (rows, in), rows, in).
public typealias LinearObserver = (String, UnsafePointer<Float>, Int, Int) -> Void

extension Network {
    /// The forward of linear layer `layer` (weight `layer/weight` unless `weight` names another, e.g. a tied lm_head):
    /// inp (n, c) → out (n, oc). A layer in `int8Layers` runs through the int8 kernel, which is inference only.
    func linearLayer(_ layer: String, weight: String? = nil, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                     n: Int, c: Int, oc: Int, training: Bool) {
        linearObserver?(layer, inp, n, c)
        if let q = int8Layers[layer] {
            precondition(!training, "\(layer) is int8: quantized models run inference only")
            q.forward(out: out, inp: inp, rows: n)
            return
        }
        let b = layer + "/bias"
        linearForward(out: out, inp: inp, weight: params[weight ?? layer + "/weight"].data,
                      bias: params.has(b) ? params[b].data : nil, n: n, c: c, oc: oc)
    }

    /// True when any layer runs in int8 (the model cannot be trained).
    public var isQuantized: Bool { !int8Layers.isEmpty }
}

/// Attaches the int8 layers of `model` to `net` (whose float parameters hold their dequantized weights).
func attachInt8(_ net: Network, _ model: ModelFile) -> Network {
    for (layer, q) in model.quantized {
        let bias = net.params.has(layer + "/bias") ? net.params[layer + "/bias"] : nil
        // ModelFile.validateParameters has checked the invariants Int8Linear needs, so packing cannot fail here.
        net.int8Layers[layer] = try! Int8Layer(q, bias: bias)
    }
    return net
}
