// HFExport: a GPT as a Hugging Face GPT2LMHeadModel folder (config.json + model.safetensors, Conv1D weights (in, out)).
import CondenseCore
import Foundation

enum HFExport {
    /// config.json and model.safetensors. GPT-2 derives head_dim = n_embd / n_head, so n_head·head_dim must be n_embd.
    static func files(_ model: ModelFile, file: String) throws -> [(name: String, data: Data)] {
        guard case .gpt(let c) = model.architecture else {
            throw FormatError(file: file, "--to hf writes GPT-2 models; this model is an \(model.architecture.family): export it with --to keras or --to onnx")
        }
        guard c.n_head * c.head_dim == c.n_embd else {
            throw FormatError(file: file, path: "architecture",
                              "--to hf needs n_head·head_dim = n_embd (GPT-2 derives head_dim = n_embd/n_head), found \(c.n_head)·\(c.head_dim) = \(c.attnWidth) ≠ n_embd \(c.n_embd); a student pruned in heads' width cannot be held: export it with --to onnx")
        }
        return [("config.json", Data(config(c).jsonString(pretty: true).utf8)), ("model.safetensors", weights(model, c))]
    }

    static func config(_ c: GPTConfig) -> JSONValue {
        .object(["architectures": .array([.string("GPT2LMHeadModel")]), "model_type": .string("gpt2"),
                 "vocab_size": .number(Double(c.vocab_size)), "n_positions": .number(Double(c.block_size)),
                 "n_ctx": .number(Double(c.block_size)), "n_embd": .number(Double(c.n_embd)), "n_layer": .number(Double(c.n_layer)),
                 "n_head": .number(Double(c.n_head)), "n_inner": .number(Double(c.ffn_hidden)),
                 "activation_function": .string("gelu"), "layer_norm_epsilon": .number(1e-5),
                 "resid_pdrop": .number(0), "embd_pdrop": .number(0), "attn_pdrop": .number(0),
                 "scale_attn_weights": .bool(true), "tie_word_embeddings": .bool(c.tie_embeddings),
                 "bos_token_id": .number(0), "eos_token_id": .number(0), "torch_dtype": .string("float32")])
    }

    /// HF's names; GPT-2's Conv1D stores (in, out), so every Linear weight is transposed. Without biases
    /// (bias: false) zeros stand in, which computes the same function.
    static func weights(_ model: ModelFile, _ c: GPTConfig) -> Data {
        let p = model.floatParameters
        var out: [(name: String, shape: [Int], values: [Float])] = []
        func add(_ name: String, _ path: String, conv: Bool = false, zerosOf n: Int? = nil) {
            guard let t = p[path] else {
                if let n { out.append((name, [n], [Float](repeating: 0, count: n))) }
                return
            }
            if conv { out.append((name, [t.shape[1], t.shape[0]], transposed(t.array, rows: t.shape[0], cols: t.shape[1]))) }
            else { out.append((name, t.shape, t.array)) }
        }
        add("transformer.wte.weight", "transformer/wte/weight")
        add("transformer.wpe.weight", "transformer/wpe/weight")
        let (C, F) = (c.n_embd, c.ffn_hidden)
        for i in 0..<c.n_layer {
            let h = "transformer/h/\(i)/", n = "transformer.h.\(i)."
            add(n + "ln_1.weight", h + "ln_1/weight"); add(n + "ln_1.bias", h + "ln_1/bias", zerosOf: C)
            add(n + "attn.c_attn.weight", h + "attn/c_attn/weight", conv: true); add(n + "attn.c_attn.bias", h + "attn/c_attn/bias", zerosOf: 3 * C)
            add(n + "attn.c_proj.weight", h + "attn/c_proj/weight", conv: true); add(n + "attn.c_proj.bias", h + "attn/c_proj/bias", zerosOf: C)
            add(n + "ln_2.weight", h + "ln_2/weight"); add(n + "ln_2.bias", h + "ln_2/bias", zerosOf: C)
            add(n + "mlp.c_fc.weight", h + "mlp/c_fc/weight", conv: true); add(n + "mlp.c_fc.bias", h + "mlp/c_fc/bias", zerosOf: F)
            add(n + "mlp.c_proj.weight", h + "mlp/c_proj/weight", conv: true); add(n + "mlp.c_proj.bias", h + "mlp/c_proj/bias", zerosOf: C)
        }
        add("transformer.ln_f.weight", "transformer/ln_f/weight"); add("transformer.ln_f.bias", "transformer/ln_f/bias", zerosOf: C)
        if !c.tie_embeddings { add("lm_head.weight", "lm_head/weight") }
        return Safetensors.encode(out, metadata: ["format": "pt", "producer": "condense \(Condense.version)"])
    }
}
