// LayerWeights: the GPT's parameter tensors resolved once per engine, read in place (training updates are seen).
import CInt8
import CondenseCore
import Foundation

/// One linear layer: the float weight (OC, C) and bias, or the int8 layer that runs it instead.
struct LinearRef {
    let weight: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>?
    let int8: Int8Layer?
    let c: Int, oc: Int

    init(_ net: GPT, _ layer: String, weight: String? = nil, c: Int, oc: Int) {
        let p = net.params
        self.weight = p[weight ?? layer + "/weight"].data
        bias = p.has(layer + "/bias") ? p[layer + "/bias"].data : nil
        int8 = net.int8Layers[layer]
        self.c = c; self.oc = oc
    }

    /// CONDENSE_FLOAT_DECODE=blas sends every float row count to OpenBLAS (sgemv, sgemm), as before the small-M
    /// kernel: the switch that measures one against the other in the same build.
    static let blasOnly = ProcessInfo.processInfo.environment["CONDENSE_FLOAT_DECODE"] == "blas"

    /// Row counts up to this go to ci8_flinear, larger ones to OpenBLAS's sgemm. ci8_flinear was as fast or faster
    /// at every count measured on the Shakespeare teacher (prefills of 16–127 rows, batches of 8 and 64: see
    /// docs/PERFORMANCE.md), and its rows are bit for bit one-row decoding's; past a block of rows sgemm is not
    /// measured against it, so it keeps the larger calls.
    static let flinearMaxRows = 128

    /// inp (N, C) → out (N, OC), then GELU when asked (fused into the int8 epilogue, as GPT.forward does).
    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int, gelu: Bool = false) {
        if let int8 {
            int8.forward(out: out, inp: inp, rows: rows, activation: gelu ? .gelu : .none)
            return
        }
        if rows <= Self.flinearMaxRows && !Self.blasOnly {
            // A decode step, a verification or a prefill: each output summed in an order that does not depend on the
            // row count, so the K + 1 verified rows are bit for bit the logits one-row decoding gives (greedy
            // speculative output is then the target's, ties included).
            let rc = ci8_flinear(inp, rows, c, weight, oc, c, c, bias, out, oc, nil)
            precondition(rc == CI8_OK, "ci8_flinear failed (\(rc)) on (\(rows), \(c)) · (\(oc), \(c))ᵀ")
        } else {
            linearForward(out: out, inp: inp, weight: weight, bias: bias, n: rows, c: c, oc: oc)
        }
        if gelu { geluForward(out: out, inp: out, n: rows * oc) }
    }
}

/// LayerNorm weight and optional bias.
struct NormRef {
    let weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?
    init(_ net: GPT, _ path: String) {
        weight = net.params[path + "/weight"].data
        bias = net.params.has(path + "/bias") ? net.params[path + "/bias"].data : nil
    }
}

/// One transformer block's parameters.
struct BlockRef {
    let ln1: NormRef, attn: LinearRef, attnProj: LinearRef, ln2: NormRef, fc: LinearRef, fcProj: LinearRef

    init(_ net: GPT, layer l: Int) {
        let k = "transformer/h/\(l)/", c = net.config.n_embd, a = net.config.attnWidth, f = net.config.ffn_hidden
        ln1 = NormRef(net, k + "ln_1")
        attn = LinearRef(net, k + "attn/c_attn", c: c, oc: 3 * a)
        attnProj = LinearRef(net, k + "attn/c_proj", c: a, oc: c)
        ln2 = NormRef(net, k + "ln_2")
        fc = LinearRef(net, k + "mlp/c_fc", c: c, oc: f)
        fcProj = LinearRef(net, k + "mlp/c_proj", c: f, oc: c)
    }
}
