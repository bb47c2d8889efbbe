// GPT: nanoGPT's architecture with decoupled widths; explicit forward and backward over the whole stack.
public final class GPT: Network {
    public let config: GPTConfig
    public let params: ParameterStore
    public var architecture: Architecture { .gpt(config) }
    public var outputs: Int { config.vocab_size }
    public var int8Layers: [String: Int8Layer] = [:]
    public var linearObserver: LinearObserver?

    /// Per-block activations kept for the backward (llm.c's ActivationTensors, one set per layer).
    /// Read-only outside: pruning reads them for activation-based importance.
    public final class BlockActs {
        public let ln1, ln1Mean, ln1Rstd, qkv, atty, att, attproj, mask1, res2: Tensor
        public let ln2, ln2Mean, ln2Rstd, fch, fchGelu, fcproj, mask2, res3: Tensor
        init(b: Int, t: Int, c: Int, h: Int, a: Int, f: Int, dropout: Bool) {
            let bt = b * t
            ln1 = Tensor(zeros: [bt, c]); ln1Mean = Tensor(zeros: [bt]); ln1Rstd = Tensor(zeros: [bt])
            qkv = Tensor(zeros: [bt, 3 * a]); atty = Tensor(zeros: [bt, a]); att = Tensor(zeros: [b, h, t, t])
            attproj = Tensor(zeros: [bt, c]); mask1 = Tensor(zeros: [dropout ? bt * c : 0]); res2 = Tensor(zeros: [bt, c])
            ln2 = Tensor(zeros: [bt, c]); ln2Mean = Tensor(zeros: [bt]); ln2Rstd = Tensor(zeros: [bt])
            fch = Tensor(zeros: [bt, f]); fchGelu = Tensor(zeros: [bt, f]); fcproj = Tensor(zeros: [bt, c])
            mask2 = Tensor(zeros: [dropout ? bt * c : 0]); res3 = Tensor(zeros: [bt, c])
        }
    }

    private var shape = (b: 0, t: 0)
    private var tokens: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    public private(set) var encoded = Tensor(zeros: [0])                 // (B,T,C) after the last forward
    private var mask0 = Tensor(zeros: [0])
    public private(set) var blocks: [BlockActs] = []                     // activations of the last forward
    public private(set) var lnf = Tensor(zeros: [0])                     // ln_f output (B,T,C)
    private var lnfMean = Tensor(zeros: [0]), lnfRstd = Tensor(zeros: [0])
    private var logits = Tensor(zeros: [0])
    // backward scratch, shared by all layers
    private var dres = Tensor(zeros: [0]), dtmp = Tensor(zeros: [0]), dln = Tensor(zeros: [0])
    private var dfc = Tensor(zeros: [0]), datty = Tensor(zeros: [0]), dqkv = Tensor(zeros: [0]), dattScratch = Tensor(zeros: [0])
    private var trainedDropout: Float = 0

    public init(config: GPTConfig, parameters: [String: Tensor]) {
        self.config = config
        params = ParameterStore(specs: Architecture.gpt(config).parameterSpecs, values: parameters,
                                decay: { $0.hasSuffix("/weight") && !$0.contains("/ln_") && !$0.contains("/wte/") && !$0.contains("/wpe/") })
    }

    deinit { tokens.deallocate() }

    private func p(_ name: String) -> UnsafeMutablePointer<Float> { params[name].data }
    private func pOpt(_ name: String) -> UnsafeMutablePointer<Float>? { params.has(name) ? params[name].data : nil }
    private func g(_ name: String) -> UnsafeMutablePointer<Float> { params.grad(name).data }
    private func gOpt(_ name: String) -> UnsafeMutablePointer<Float>? { params.has(name) ? params.grad(name).data : nil }
    private var headName: String { config.tie_embeddings ? "transformer/wte/weight" : "lm_head/weight" }

    private func ensure(b: Int, t: Int, dropout: Bool) {
        let needMasks = dropout && config.dropout > 0
        if shape == (b, t) && (!needMasks || mask0.count > 0) { return }
        shape = (b, t)
        let bt = b * t, c = config.n_embd, a = config.attnWidth, f = config.ffn_hidden, h = config.n_head
        tokens.deallocate()
        tokens = .allocate(capacity: bt)
        encoded = Tensor(zeros: [bt, c]); mask0 = Tensor(zeros: [needMasks ? bt * c : 0])
        blocks = (0..<config.n_layer).map { _ in BlockActs(b: b, t: t, c: c, h: h, a: a, f: f, dropout: needMasks) }
        lnf = Tensor(zeros: [bt, c]); lnfMean = Tensor(zeros: [bt]); lnfRstd = Tensor(zeros: [bt])
        logits = Tensor(zeros: [bt, config.vocab_size])
        dres = Tensor(zeros: [bt, c]); dtmp = Tensor(zeros: [bt, c]); dln = Tensor(zeros: [bt, c])
        dfc = Tensor(zeros: [bt, f]); datty = Tensor(zeros: [bt, a]); dqkv = Tensor(zeros: [bt, 3 * a])
        dattScratch = Tensor(zeros: [b, h, t, t])
    }

    public func forward(_ input: NetworkInput, training: Bool, rng: inout RNG) -> UnsafeMutablePointer<Float> {
        guard case .tokens(let ids, let b, let t) = input else { preconditionFailure("GPT takes token input") }
        precondition(t <= config.block_size, "sequence length \(t) exceeds block_size \(config.block_size)")
        let drop = training ? config.dropout : 0
        trainedDropout = drop
        ensure(b: b, t: t, dropout: drop > 0)
        let bt = b * t, c = config.n_embd, a = config.attnWidth, f = config.ffn_hidden
        tokens.update(from: ids, count: bt)
        // idx (B,T) → encoded (B,T,C) = wte[idx] + wpe[t]
        encoderForward(out: encoded.data, idx: tokens, wte: p("transformer/wte/weight"), wpe: p("transformer/wpe/weight"),
                       b: b, t: t, c: c)
        dropoutForward(out: encoded.data, mask: mask0.data, inp: encoded.data, n: bt * c, p: drop, rng: &rng)
        var x = encoded.data                                               // residual (B,T,C)
        for l in 0..<config.n_layer {
            let k = "transformer/h/\(l)/", s = blocks[l]
            layerNormForward(out: s.ln1.data, mean: s.ln1Mean.data, rstd: s.ln1Rstd.data, inp: x,
                             weight: p(k + "ln_1/weight"), bias: pOpt(k + "ln_1/bias"), n: bt, c: c)
            // ln1 (BT,C) → qkv (BT,3A) → atty (BT,A) → attproj (BT,C)
            linearLayer(k + "attn/c_attn", out: s.qkv.data, inp: s.ln1.data, n: bt, c: c, oc: 3 * a, training: training)
            attentionForward(out: s.atty.data, att: s.att.data, qkv: s.qkv.data, b: b, t: t, h: config.n_head, dh: config.head_dim)
            linearLayer(k + "attn/c_proj", out: s.attproj.data, inp: s.atty.data, n: bt, c: a, oc: c, training: training)
            dropoutForward(out: s.attproj.data, mask: s.mask1.data, inp: s.attproj.data, n: bt * c, p: drop, rng: &rng)
            Ops.add(s.res2.data, x, s.attproj.data, bt * c)                 // res2 = x + attn
            layerNormForward(out: s.ln2.data, mean: s.ln2Mean.data, rstd: s.ln2Rstd.data, inp: s.res2.data,
                             weight: p(k + "ln_2/weight"), bias: pOpt(k + "ln_2/bias"), n: bt, c: c)
            // ln2 (BT,C) → fch (BT,F) → gelu (BT,F) → fcproj (BT,C)
            if !training, linearObserver == nil, let q = int8Layers[k + "mlp/c_fc"] {
                q.forward(out: s.fchGelu.data, inp: s.ln2.data, rows: bt, activation: .gelu)   // GELU fused in the int8 epilogue
            } else {
                linearLayer(k + "mlp/c_fc", out: s.fch.data, inp: s.ln2.data, n: bt, c: c, oc: f, training: training)
                geluForward(out: s.fchGelu.data, inp: s.fch.data, n: bt * f)
            }
            linearLayer(k + "mlp/c_proj", out: s.fcproj.data, inp: s.fchGelu.data, n: bt, c: f, oc: c, training: training)
            dropoutForward(out: s.fcproj.data, mask: s.mask2.data, inp: s.fcproj.data, n: bt * c, p: drop, rng: &rng)
            Ops.add(s.res3.data, s.res2.data, s.fcproj.data, bt * c)        // res3 = res2 + mlp
            x = s.res3.data
        }
        layerNormForward(out: lnf.data, mean: lnfMean.data, rstd: lnfRstd.data, inp: x,
                         weight: p("transformer/ln_f/weight"), bias: pOpt("transformer/ln_f/bias"), n: bt, c: c)
        // lnf (BT,C) · headᵀ (C,V) → logits (BT,V)
        linearLayer("lm_head", weight: headName, out: logits.data, inp: lnf.data, n: bt, c: c, oc: config.vocab_size, training: training)
        return logits.data
    }

    /// The residual stream entering block l (the embedding output for l = 0).
    public func residualIn(_ l: Int) -> UnsafeMutablePointer<Float> { l == 0 ? encoded.data : blocks[l - 1].res3.data }

    /// Extra gradients d loss/d (output of block l), (B·T, C) each, added during the next backward at block l's output
    /// (distillation's hidden-state loss). Empty normally.
    public var residualGradients: [Int: UnsafePointer<Float>] = [:]

    public func backward(dlogits: UnsafePointer<Float>) {
        let (b, t) = shape
        let bt = b * t, c = config.n_embd, a = config.attnWidth, f = config.ffn_hidden
        let drop = trainedDropout
        let last = config.n_layer == 0 ? encoded.data : blocks[config.n_layer - 1].res3.data
        // logits = lnf · headᵀ: dlnf (BT,C) into dln; dhead (V,C) += dlogitsᵀ·lnf
        linearBackward(dinp: dln.data, dweight: g(headName), dbias: nil, dout: dlogits, inp: lnf.data,
                       weight: p(headName), n: bt, c: c, oc: config.vocab_size)
        layerNormBackward(dinp: dres.data, dweight: g("transformer/ln_f/weight"), dbias: gOpt("transformer/ln_f/bias"),
                          dout: dln.data, inp: last, weight: p("transformer/ln_f/weight"),
                          mean: lnfMean.data, rstd: lnfRstd.data, n: bt, c: c)
        for l in stride(from: config.n_layer - 1, through: 0, by: -1) {
            let k = "transformer/h/\(l)/", s = blocks[l]
            if let extra = residualGradients[l] { Ops.addInPlace(dres.data, extra, bt * c) }
            // dres = d res3; res3 = res2 + drop(fcproj)
            var dbranch = UnsafePointer(dres.data)
            if drop > 0 {
                dropoutBackward(dinp: dtmp.data, dout: dres.data, mask: s.mask2.data, n: bt * c, p: drop)
                dbranch = UnsafePointer(dtmp.data)
            }
            linearBackward(dinp: dfc.data, dweight: g(k + "mlp/c_proj/weight"), dbias: gOpt(k + "mlp/c_proj/bias"),
                           dout: dbranch, inp: s.fchGelu.data, weight: p(k + "mlp/c_proj/weight"), n: bt, c: f, oc: c)
            geluBackward(dinp: dfc.data, dout: dfc.data, inp: s.fch.data, n: bt * f)
            linearBackward(dinp: dln.data, dweight: g(k + "mlp/c_fc/weight"), dbias: gOpt(k + "mlp/c_fc/bias"),
                           dout: dfc.data, inp: s.ln2.data, weight: p(k + "mlp/c_fc/weight"), n: bt, c: c, oc: f)
            layerNormBackward(dinp: dres.data, dweight: g(k + "ln_2/weight"), dbias: gOpt(k + "ln_2/bias"),
                              dout: dln.data, inp: s.res2.data, weight: p(k + "ln_2/weight"),
                              mean: s.ln2Mean.data, rstd: s.ln2Rstd.data, n: bt, c: c, accumulateInput: true)
            // dres = d res2; res2 = x + drop(attproj)
            dbranch = UnsafePointer(dres.data)
            if drop > 0 {
                dropoutBackward(dinp: dtmp.data, dout: dres.data, mask: s.mask1.data, n: bt * c, p: drop)
                dbranch = UnsafePointer(dtmp.data)
            }
            linearBackward(dinp: datty.data, dweight: g(k + "attn/c_proj/weight"), dbias: gOpt(k + "attn/c_proj/bias"),
                           dout: dbranch, inp: s.atty.data, weight: p(k + "attn/c_proj/weight"), n: bt, c: a, oc: c)
            attentionBackward(dqkv: dqkv.data, scratch: dattScratch.data, dout: datty.data, qkv: s.qkv.data, att: s.att.data,
                              b: b, t: t, h: config.n_head, dh: config.head_dim)
            linearBackward(dinp: dln.data, dweight: g(k + "attn/c_attn/weight"), dbias: gOpt(k + "attn/c_attn/bias"),
                           dout: dqkv.data, inp: s.ln1.data, weight: p(k + "attn/c_attn/weight"), n: bt, c: c, oc: 3 * a)
            layerNormBackward(dinp: dres.data, dweight: g(k + "ln_1/weight"), dbias: gOpt(k + "ln_1/bias"),
                              dout: dln.data, inp: residualIn(l), weight: p(k + "ln_1/weight"),
                              mean: s.ln1Mean.data, rstd: s.ln1Rstd.data, n: bt, c: c, accumulateInput: true)
        }
        if drop > 0 { dropoutBackward(dinp: dres.data, dout: dres.data, mask: mask0.data, n: bt * c, p: drop) }
        encoderBackward(dwte: g("transformer/wte/weight"), dwpe: g("transformer/wpe/weight"), dout: dres.data,
                        idx: tokens, b: b, t: t, c: c)
    }
}
