// OnnxExport+GPT: nanoGPT's forward (docs/FORMAT.md) as ONNX ops: idx (batch, T) int64 → logits (batch, T, vocab).
import CondenseCore
import Foundation

extension OnnxExport {
    static func buildGPT(_ b: OnnxGraphBuilder, _ model: ModelFile, _ c: GPTConfig) {
        b.declare("idx", type: .int64, dims: ["batch", "T"], output: false)
        let p = model.parameters
        let wte = b.constant("transformer.wte.weight", shape: [c.vocab_size, c.n_embd], floats: p["transformer/wte/weight"]!.array)
        let wpe = b.constant("transformer.wpe.weight", shape: [c.block_size, c.n_embd], floats: p["transformer/wpe/weight"]!.array)
        // T as a 1-D tensor [T], and the positions 0..<T.
        let shape = b.op1("Shape", ["idx"], name: "idx.Shape")
        let t1 = b.op1("Slice", [shape, b.constant("c.one_i", shape: [1], int64: [1]), b.constant("c.two_i", shape: [1], int64: [2])], name: "T.Slice")
        let tScalar = b.op1("Squeeze", [t1, b.constant("c.zero_axis", shape: [1], int64: [0])], name: "T.Squeeze")
        let pos = b.op1("Range", [b.constant("c.zero_s", shape: [], int64: [0]), tScalar, b.constant("c.one_s", shape: [], int64: [1])], name: "pos.Range")
        var x = b.op1("Add", [b.op1("Gather", [wte, "idx"], name: "wte.Gather"), b.op1("Gather", [wpe, pos], name: "wpe.Gather")], name: "embed.Add")
        // The causal mask: 0 on and below the diagonal, −inf above, cut to (T, T).
        var mask = [Float](repeating: 0, count: c.block_size * c.block_size)
        for i in 0..<c.block_size { for j in (i + 1)..<max(i + 1, c.block_size) { mask[i * c.block_size + j] = -.infinity } }
        let maskFull = b.constant("attn.causal_mask", shape: [c.block_size, c.block_size], floats: mask)
        let ends = b.op1("Concat", [t1, t1], name: "mask.ends", ["axis": .int(0)])
        let maskT = b.op1("Slice", [maskFull, b.constant("c.zeros2", shape: [2], int64: [0, 0]), ends], name: "mask.Slice")
        for i in 0..<c.n_layer { x = block(b, model, c, x, layer: i, mask: maskT) }
        x = layerNorm(b, model, x, "transformer/ln_f")
        let head = p["lm_head/weight"] ?? p["transformer/wte/weight"]!
        let logits: String
        if model.quantized["lm_head"] != nil {
            logits = linear(b, model, x, layer: "lm_head")
        } else {
            let ht = b.constant("lm_head.weight_t", shape: [c.n_embd, c.vocab_size], floats: transposed(head.array, rows: c.vocab_size, cols: c.n_embd))
            logits = b.op1("MatMul", [x, ht], name: "lm_head.MatMul")
        }
        b.rename(logits, to: "logits")
        b.declare("logits", type: .float, dims: ["batch", "T", c.vocab_size], output: true)
    }

    /// x += c_proj(attn(c_attn(ln_1(x)))); x += mlp.c_proj(gelu(mlp.c_fc(ln_2(x)))).
    private static func block(_ b: OnnxGraphBuilder, _ model: ModelFile, _ c: GPTConfig, _ x: String, layer i: Int, mask: String) -> String {
        let h = "transformer/h/\(i)", n = "h.\(i)"
        let qkv = linear(b, model, layerNorm(b, model, x, h + "/ln_1"), layer: h + "/attn/c_attn")   // (B,T,3A)
        let a = c.attnWidth
        let parts = b.op("Split", [qkv, b.constant(n + ".split", shape: [3], int64: [Int64(a), Int64(a), Int64(a)])],
                         outputs: 3, name: n + ".attn.Split", ["axis": .int(-1)])
        let heads = b.constant(n + ".heads_shape", shape: [4], int64: [0, 0, Int64(c.n_head), Int64(c.head_dim)])
        func split(_ v: String, _ perm: [Int64], _ tag: String) -> String {
            b.op1("Transpose", [b.op1("Reshape", [v, heads], name: n + ".attn.\(tag).Reshape")], name: n + ".attn.\(tag).Transpose", ["perm": .ints(perm)])
        }
        let q = split(parts[0], [0, 2, 1, 3], "q"), k = split(parts[1], [0, 2, 3, 1], "k"), v = split(parts[2], [0, 2, 1, 3], "v")
        let scores = b.op1("Mul", [b.op1("MatMul", [q, k], name: n + ".attn.QK"), b.scalar(1 / Float(c.head_dim).squareRoot(), n + ".attn.scale")], name: n + ".attn.Scale")
        let probs = b.op1("Softmax", [b.op1("Add", [scores, mask], name: n + ".attn.Mask")], name: n + ".attn.Softmax", ["axis": .int(-1)])
        let y = b.op1("Transpose", [b.op1("MatMul", [probs, v], name: n + ".attn.PV")], name: n + ".attn.merge.Transpose", ["perm": .ints([0, 2, 1, 3])])
        let merged = b.op1("Reshape", [y, b.constant(n + ".merge_shape", shape: [3], int64: [0, 0, Int64(a)])], name: n + ".attn.merge.Reshape")
        let x1 = b.op1("Add", [x, linear(b, model, merged, layer: h + "/attn/c_proj")], name: n + ".attn.Residual")
        let fc = linear(b, model, layerNorm(b, model, x1, h + "/ln_2"), layer: h + "/mlp/c_fc")
        let out = linear(b, model, gelu(b, fc, name: n + ".mlp.Gelu"), layer: h + "/mlp/c_proj")
        return b.op1("Add", [x1, out], name: n + ".mlp.Residual")
    }

    /// LayerNormalization over the last axis, eps 1e-5; without biases (bias: false) the B input is left out.
    private static func layerNorm(_ b: OnnxGraphBuilder, _ model: ModelFile, _ x: String, _ path: String) -> String {
        let name = path.replacingOccurrences(of: "/", with: ".")
        let w = model.parameters[path + "/weight"]!
        var inputs = [x, b.constant(name + ".weight", shape: [w.count], floats: w.array)]
        if let bias = model.parameters[path + "/bias"] { inputs.append(b.constant(name + ".bias", shape: [bias.count], floats: bias.array)) }
        return b.op1("LayerNormalization", inputs, name: name + ".LayerNorm", ["axis": .int(-1), "epsilon": .float(1e-5)])
    }
}
