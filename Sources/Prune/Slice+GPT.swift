// Slice+GPT: builds the smaller GPT (config and cut tensors) that keeps exactly the given blocks, heads, neurons, channels.
import CondenseCore

func sliceGPT(_ model: ModelFile, _ c: GPTConfig, kept: GPTKept) -> ModelFile {
    let P = model.parameters, ch = kept.channels, A = c.attnWidth, Dh = c.head_dim
    var n = c
    n.n_layer = kept.layers.count
    n.n_head = kept.heads.first?.count ?? c.n_head
    n.ffn_hidden = kept.neurons.first?.count ?? c.ffn_hidden
    n.n_embd = ch.count
    var out: [String: Tensor] = [:]
    func put(_ name: String, _ t: Tensor?) { if let t { out[name] = t } }
    put("transformer/wte/weight", takeColumns(P["transformer/wte/weight"]!, ch))   // (V, C')
    put("transformer/wpe/weight", takeColumns(P["transformer/wpe/weight"]!, ch))   // (T, C')
    for (j, l) in kept.layers.enumerated() {
        let o = "transformer/h/\(l)/", k = "transformer/h/\(j)/"
        let heads = kept.heads[j], neurons = kept.neurons[j]
        // the head columns of q, k and v: head h is h·Dh..<(h+1)·Dh inside each A-wide part
        let headCols = heads.flatMap { h in (h * Dh)..<((h + 1) * Dh) }
        let qkvRows = (0..<3).flatMap { part in headCols.map { part * A + $0 } }
        for ln in ["ln_1", "ln_2"] {
            put(k + ln + "/weight", takeRows(P[o + ln + "/weight"]!, ch))                      // (C')
            put(k + ln + "/bias", P[o + ln + "/bias"].map { takeRows($0, ch) })
        }
        put(k + "attn/c_attn/weight", takeColumns(takeRows(P[o + "attn/c_attn/weight"]!, qkvRows), ch))  // (3A', C')
        put(k + "attn/c_attn/bias", P[o + "attn/c_attn/bias"].map { takeRows($0, qkvRows) })             // (3A')
        put(k + "attn/c_proj/weight", takeColumns(takeRows(P[o + "attn/c_proj/weight"]!, ch), headCols)) // (C', A')
        put(k + "attn/c_proj/bias", P[o + "attn/c_proj/bias"].map { takeRows($0, ch) })                  // (C')
        put(k + "mlp/c_fc/weight", takeColumns(takeRows(P[o + "mlp/c_fc/weight"]!, neurons), ch))       // (F', C')
        put(k + "mlp/c_fc/bias", P[o + "mlp/c_fc/bias"].map { takeRows($0, neurons) })                   // (F')
        put(k + "mlp/c_proj/weight", takeColumns(takeRows(P[o + "mlp/c_proj/weight"]!, ch), neurons))   // (C', F')
        put(k + "mlp/c_proj/bias", P[o + "mlp/c_proj/bias"].map { takeRows($0, ch) })                    // (C')
    }
    put("transformer/ln_f/weight", takeRows(P["transformer/ln_f/weight"]!, ch))
    put("transformer/ln_f/bias", P["transformer/ln_f/bias"].map { takeRows($0, ch) })
    if !c.tie_embeddings { put("lm_head/weight", takeColumns(P["lm_head/weight"]!, ch)) }   // (V, C')
    return ModelFile(architecture: .gpt(n), vocabulary: model.vocabulary, history: model.history, parameters: out)
}
