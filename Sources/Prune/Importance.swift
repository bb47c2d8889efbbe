// Importance: per-unit scores (neurons, heads, embedding channels, blocks) and the aggregation helpers they share.
import CondenseCore
import Foundation

/// Scores where higher means more important. Shapes: GPT neurons [layer][F], heads [layer][H], channels [C],
/// blockInfluence [layer]; MLP neurons [hidden layer][width], the rest empty.
struct Importance {
    var neurons: [[Double]] = []
    var heads: [[Double]] = []
    var channels: [Double] = []
    var blockInfluence: [Double] = []
}

/// The indices of the k highest scores (ties go to the lower index), in ascending order.
func topK(_ scores: [Double], _ k: Int) -> [Int] {
    let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
    return Array(order.prefix(k)).sorted()
}

/// Minitron's aggregation, one batch: x (B, T, W) is cut into groups of `group` columns; for each sample the
/// group's norm ‖x[b,t,g]‖ is averaged over t, and its square is added to acc[g] (L2 over the batch once
/// `sqrt` is taken at the end). group 1 gives |x|.
func accumulateActivation(_ acc: inout [Double], _ x: UnsafePointer<Float>, b: Int, t: Int, width: Int, group: Int = 1) {
    let groups = width / group
    var mean = [Double](repeating: 0, count: groups)
    for bi in 0..<b {
        for g in 0..<groups { mean[g] = 0 }
        for ti in 0..<t {
            let row = x + (bi * t + ti) * width
            for g in 0..<groups {
                if group == 1 { mean[g] += Double(abs(row[g])); continue }
                var s: Float = 0
                for j in (g * group)..<((g + 1) * group) { s += row[j] * row[j] }
                mean[g] += Double(s.squareRoot())
            }
        }
        for g in 0..<groups { let m = mean[g] / Double(t); acc[g] += m * m }
    }
}

/// Σ over rows of (1 − cos(a_row, b_row)) for a, b (rows, C): ShortGPT's block influence, summed.
func blockInfluenceSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, rows: Int, c: Int) -> Double {
    var sum = 0.0
    for r in 0..<rows {
        var dot = 0.0, na = 0.0, nb = 0.0
        for j in 0..<c {
            let x = Double(a[r * c + j]), y = Double(b[r * c + j])
            dot += x * y; na += x * x; nb += y * y
        }
        let denom = (na * nb).squareRoot()
        sum += 1 - (denom > 0 ? dot / denom : 1)
    }
    return sum
}

/// First-order Taylor of a unit whose activation a feeds column j of W (out, in): Σ_{b,t} a·∂L/∂a equals
/// Σ_o W[o, j]·∂L/∂W[o, j]; summed over the unit's columns `cols`.
func taylorColumns(_ w: Tensor, _ dw: Tensor, cols: Range<Int>) -> Double {
    let outs = w.shape[0], ins = w.shape[1]
    var s = 0.0
    for o in 0..<outs { for j in cols { s += Double(w.data[o * ins + j]) * Double(dw.data[o * ins + j]) } }
    return s
}

/// Σ of squares of row r of a (R, C) tensor, or of element r of a vector.
func rowSquares(_ t: Tensor, _ r: Int) -> Double {
    let c = t.rank == 2 ? t.shape[1] : 1
    var s = 0.0
    for j in 0..<c { let v = Double(t.data[r * c + j]); s += v * v }
    return s
}

/// Σ of squares of column j of a (R, C) tensor.
func columnSquares(_ t: Tensor, _ j: Int) -> Double {
    let r = t.shape[0], c = t.shape[1]
    var s = 0.0
    for i in 0..<r { let v = Double(t.data[i * c + j]); s += v * v }
    return s
}

func zeros(_ n: Int) -> [Double] { [Double](repeating: 0, count: n) }

/// One cross-entropy forward and backward on a calibration batch, leaving d(loss)/d(weights) in net.params.grads
/// (Taylor importance reads a·∂L/∂a off the weight gradients). dlogits is (rows, outputs) scratch.
func crossEntropyGradients(_ net: Network, input: NetworkInput, targets: UnsafePointer<Int32>, rows: Int, dlogits: Tensor) {
    net.params.zeroGrads()
    var rng = RNG(seed: 0)
    let logits = net.forward(input, training: true, rng: &rng)
    _ = CrossEntropyObjective().lossAndGradient(logits: logits, dlogits: dlogits.data, targets: targets, input: input,
                                                rows: rows, cols: net.outputs)
    net.backward(dlogits: dlogits.data)
}
