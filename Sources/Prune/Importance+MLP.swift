// Importance+MLP: hidden-unit scores for the MLP family from calibration activations, weights or Taylor.
import CondenseCore
import Foundation

extension Importance {
    /// neurons[j][i] for hidden layer j: activation ‖post-activation‖ as L2 over the batch; magnitude, the norm of
    /// the unit's incoming row, bias and outgoing column; taylor, Σ over batches of |Σ a·∂L/∂a|.
    static func mlp(_ model: ModelFile, config c: MLPConfig, criterion: PruneCriterion, calibration cal: CalibrationBatches) -> Importance {
        let hidden = c.hidden
        var imp = Importance(neurons: hidden.map { zeros($0) })
        if criterion == .magnitude { return mlpMagnitude(model, c) }
        var cfg = c
        cfg.dropout = 0
        let net = MLP(config: cfg, parameters: model.parameters)
        let dlogits = Tensor(zeros: [cal.batchSize, c.classes])
        for i in 0..<cal.count {
            cal.withBatch(i) { input, y, rows in
                if criterion == .taylor {
                    crossEntropyGradients(net, input: input, targets: y, rows: rows, dlogits: dlogits)
                    for j in hidden.indices {
                        let w = net.params["layers/\(j + 1)/weight"], g = net.params.grad("layers/\(j + 1)/weight")
                        for n in 0..<hidden[j] { imp.neurons[j][n] += abs(taylorColumns(w, g, cols: n..<(n + 1))) }
                    }
                } else {
                    _ = net.predict(input)
                    for j in hidden.indices {
                        accumulateActivation(&imp.neurons[j], net.post[j].data, b: rows, t: 1, width: hidden[j])  // (B, width)
                    }
                }
            }
        }
        if criterion == .activation { imp.neurons = imp.neurons.map { $0.map { $0.squareRoot() } } }
        return imp
    }

    /// Magnitude: each unit's incoming row, bias and outgoing column, as one L2 norm (needs no data).
    static func mlpMagnitude(_ model: ModelFile, _ c: MLPConfig) -> Importance {
        var imp = Importance(neurons: c.hidden.map { zeros($0) })
        for j in c.hidden.indices {
            let w = model.parameters["layers/\(j)/weight"]!, b = model.parameters["layers/\(j)/bias"]!
            let next = model.parameters["layers/\(j + 1)/weight"]!
            imp.neurons[j] = (0..<c.hidden[j]).map { (rowSquares(w, $0) + rowSquares(b, $0) + columnSquares(next, $0)).squareRoot() }
        }
        return imp
    }
}
