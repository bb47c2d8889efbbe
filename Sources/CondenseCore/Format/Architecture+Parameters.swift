// Architecture+Parameters: the exact parameter paths and shapes each architecture implies.
public struct ParameterSpec: Equatable, Sendable {
    /// Path inside the file: the PyTorch state_dict key with "." replaced by "/".
    public let path: String
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }
}

extension Architecture {
    /// Every parameter, in canonical order (the state_dict order of the PyTorch model).
    /// A tied `lm_head/weight` is not listed: it is `transformer/wte/weight` (see `tiedAliases`).
    public var parameterSpecs: [ParameterSpec] {
        switch self {
        case .mlp(let c):
            let w = c.widths
            return (0..<(w.count - 1)).flatMap { i in
                [ParameterSpec(path: "layers/\(i)/weight", shape: [w[i + 1], w[i]]),
                 ParameterSpec(path: "layers/\(i)/bias", shape: [w[i + 1]])]
            }
        case .gpt(let c):
            let C = c.n_embd, A = c.attnWidth, F = c.ffn_hidden
            var s = [ParameterSpec(path: "transformer/wte/weight", shape: [c.vocab_size, C]),
                     ParameterSpec(path: "transformer/wpe/weight", shape: [c.block_size, C])]
            func add(_ path: String, _ shape: [Int], isBias: Bool = false) {
                if !isBias || c.bias { s.append(ParameterSpec(path: path, shape: shape)) }
            }
            for i in 0..<c.n_layer {
                let p = "transformer/h/\(i)/"
                add(p + "ln_1/weight", [C]); add(p + "ln_1/bias", [C], isBias: true)
                add(p + "attn/c_attn/weight", [3 * A, C]); add(p + "attn/c_attn/bias", [3 * A], isBias: true)
                add(p + "attn/c_proj/weight", [C, A]); add(p + "attn/c_proj/bias", [C], isBias: true)
                add(p + "ln_2/weight", [C]); add(p + "ln_2/bias", [C], isBias: true)
                add(p + "mlp/c_fc/weight", [F, C]); add(p + "mlp/c_fc/bias", [F], isBias: true)
                add(p + "mlp/c_proj/weight", [C, F]); add(p + "mlp/c_proj/bias", [C], isBias: true)
            }
            add("transformer/ln_f/weight", [C]); add("transformer/ln_f/bias", [C], isBias: true)
            if !c.tie_embeddings { add("lm_head/weight", [c.vocab_size, C]) }
            return s
        }
    }

    /// Paths that name the same array as another parameter: alias → canonical path.
    public var tiedAliases: [String: String] {
        if case .gpt(let c) = self, c.tie_embeddings { return ["lm_head/weight": "transformer/wte/weight"] }
        return [:]
    }

    /// Datasets that may appear in files written by other tools but are not parameters (skipped on load).
    public func isIgnoredBuffer(_ path: String) -> Bool {
        guard case .gpt = self else { return false }
        // nanoGPT's causal-mask buffer `attn.bias` in older checkpoints.
        let parts = path.split(separator: "/")
        return parts.count == 5 && parts[0] == "transformer" && parts[1] == "h" && parts[3] == "attn" && parts[4] == "bias"
    }

    /// Parameter count as PyTorch's `sum(p.numel() for p in model.parameters())` gives it: tied tensors once.
    public var parameterCount: Int { parameterSpecs.reduce(0) { $0 + $1.count } }
}
