// Importance+GPT: neuron, head, channel and block scores for a GPT from calibration activations, weights or Taylor.
import CondenseCore
import Foundation

extension Importance {
    /// Activation: neurons by |GELU output|, heads by ‖head output‖ (before c_proj), channels by |LayerNorm output|
    /// summed over every LayerNorm; each as mean over the sequence, then L2 over the batch (Minitron).
    /// Block influence (ShortGPT) is measured on the same forward passes, whatever the criterion.
    static func gpt(_ model: ModelFile, config c: GPTConfig, criterion: PruneCriterion, calibration cal: CalibrationBatches) -> Importance {
        var cfg = c
        cfg.dropout = 0
        let net = GPT(config: cfg, parameters: model.parameters)
        let L = c.n_layer, H = c.n_head, Dh = c.head_dim, C = c.n_embd, F = c.ffn_hidden, A = c.attnWidth, V = c.vocab_size
        var imp = Importance(neurons: Array(repeating: zeros(F), count: L), heads: Array(repeating: zeros(H), count: L),
                             channels: zeros(C), blockInfluence: zeros(L))
        var lnSq = Array(repeating: zeros(C), count: 2 * L + 1)     // per LayerNorm: Σ_b (mean_t |ln|)²
        var lnTaylor = Array(repeating: zeros(C), count: 2 * L + 1)
        let dlogits = Tensor(zeros: [cal.batchSize * cal.context, V])
        var tokens = 0
        for i in 0..<cal.count {
            cal.withBatch(i) { input, y, rows in
                if criterion == .taylor {
                    crossEntropyGradients(net, input: input, targets: y, rows: rows, dlogits: dlogits)
                    for l in 0..<L {
                        let k = "transformer/h/\(l)/"
                        let fw = net.params[k + "mlp/c_proj/weight"], fg = net.params.grad(k + "mlp/c_proj/weight")
                        for n in 0..<F { imp.neurons[l][n] += abs(taylorColumns(fw, fg, cols: n..<(n + 1))) }
                        let aw = net.params[k + "attn/c_proj/weight"], ag = net.params.grad(k + "attn/c_proj/weight")
                        for h in 0..<H { imp.heads[l][h] += abs(taylorColumns(aw, ag, cols: (h * Dh)..<((h + 1) * Dh))) }
                    }
                    for (j, ln) in layerNormNames(L).enumerated() {
                        // a·∂L/∂a for a LayerNorm output channel = γ·∂L/∂γ + β·∂L/∂β
                        let w = net.params[ln + "/weight"], gw = net.params.grad(ln + "/weight")
                        let hasBias = net.params.has(ln + "/bias")
                        for ch in 0..<C {
                            var s = Double(w.data[ch]) * Double(gw.data[ch])
                            if hasBias { s += Double(net.params[ln + "/bias"].data[ch]) * Double(net.params.grad(ln + "/bias").data[ch]) }
                            lnTaylor[j][ch] += abs(s)
                        }
                    }
                } else {
                    _ = net.predict(input)
                }
                guard case .tokens(_, let b, let t) = input else { return }
                for l in 0..<L {
                    imp.blockInfluence[l] += blockInfluenceSum(net.residualIn(l), net.blocks[l].res3.data, rows: rows, c: C)
                }
                tokens += rows
                if criterion == .activation {
                    for l in 0..<L {
                        let s = net.blocks[l]
                        accumulateActivation(&imp.neurons[l], s.fchGelu.data, b: b, t: t, width: F)       // (B,T,F)
                        accumulateActivation(&imp.heads[l], s.atty.data, b: b, t: t, width: A, group: Dh) // (B,T,H·Dh)
                        accumulateActivation(&lnSq[2 * l], s.ln1.data, b: b, t: t, width: C)             // (B,T,C)
                        accumulateActivation(&lnSq[2 * l + 1], s.ln2.data, b: b, t: t, width: C)
                    }
                    accumulateActivation(&lnSq[2 * L], net.lnf.data, b: b, t: t, width: C)
                }
            }
        }
        for l in 0..<L { imp.blockInfluence[l] /= Double(max(tokens, 1)) }
        switch criterion {
        case .activation:
            imp.neurons = imp.neurons.map { $0.map { $0.squareRoot() } }
            imp.heads = imp.heads.map { $0.map { $0.squareRoot() } }
            imp.channels = (0..<C).map { ch in lnSq.reduce(0) { $0 + $1[ch].squareRoot() } }
        case .taylor:
            imp.channels = (0..<C).map { ch in lnTaylor.reduce(0) { $0 + $1[ch] } }
        case .magnitude:
            imp.magnitudeGPT(model, c)
        }
        return imp
    }

    /// LayerNorm parameter prefixes in forward order: ln_1, ln_2 of each block, then ln_f.
    static func layerNormNames(_ layers: Int) -> [String] {
        (0..<layers).flatMap { ["transformer/h/\($0)/ln_1", "transformer/h/\($0)/ln_2"] } + ["transformer/ln_f"]
    }

    /// Weight magnitude: the L2 norm of every weight that reads or writes the unit.
    mutating func magnitudeGPT(_ model: ModelFile, _ c: GPTConfig) {
        let P = model.parameters
        let L = c.n_layer, H = c.n_head, Dh = c.head_dim, C = c.n_embd, F = c.ffn_hidden, A = c.attnWidth
        func opt(_ name: String) -> Tensor? { P[name] }
        var ch = zeros(C)
        func addColumns(_ t: Tensor?) { if let t { for j in 0..<C { ch[j] += columnSquares(t, j) } } }
        func addRows(_ t: Tensor?) { if let t { for j in 0..<C { ch[j] += rowSquares(t, j) } } }
        addColumns(P["transformer/wte/weight"]); addColumns(P["transformer/wpe/weight"])
        if !c.tie_embeddings { addColumns(P["lm_head/weight"]) }
        for ln in Self.layerNormNames(L) { addRows(P[ln + "/weight"]); addRows(opt(ln + "/bias")) }
        for l in 0..<L {
            let k = "transformer/h/\(l)/"
            let fc = P[k + "mlp/c_fc/weight"]!, fcb = opt(k + "mlp/c_fc/bias"), fp = P[k + "mlp/c_proj/weight"]!
            neurons[l] = (0..<F).map { n in (rowSquares(fc, n) + (fcb.map { rowSquares($0, n) } ?? 0) + columnSquares(fp, n)).squareRoot() }
            let qkv = P[k + "attn/c_attn/weight"]!, qkvb = opt(k + "attn/c_attn/bias"), ap = P[k + "attn/c_proj/weight"]!
            heads[l] = (0..<H).map { h in
                var s = 0.0
                for j in (h * Dh)..<((h + 1) * Dh) {
                    for part in 0..<3 { s += rowSquares(qkv, part * A + j) + (qkvb.map { rowSquares($0, part * A + j) } ?? 0) }
                    s += columnSquares(ap, j)
                }
                return s.squareRoot()
            }
            addColumns(qkv); addColumns(P[k + "mlp/c_fc/weight"])
            addRows(ap); addRows(opt(k + "attn/c_proj/bias")); addRows(fp); addRows(opt(k + "mlp/c_proj/bias"))
        }
        channels = ch.map { $0.squareRoot() }
    }
}
