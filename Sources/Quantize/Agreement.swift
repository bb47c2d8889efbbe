// Agreement: how closely the int8 model's outputs follow the float model's, row by row, on the validation split.
import CondenseCore
import Foundation

/// Statistics over every logit row (an image, or a token position) of the evaluated batches.
public struct Agreement: Codable, Equatable, Sendable {
    /// Rows compared.
    public var rows: Int
    /// Fraction of rows whose argmax (predicted class or next token) is the same.
    public var top1_agreement: Double
    /// Mean KL(p_float ‖ p_int8) in nats.
    public var mean_kl: Double
    /// Largest |z_float − z_int8| over all logits.
    public var max_abs_logit_diff: Double
    /// Mean over rows of max_j |z_float − z_int8|.
    public var mean_max_abs_logit_diff: Double
}

/// Both models' loss (nats) and accuracy (classifiers) on the same rows, with their agreement.
struct SideBySide {
    var agreement: Agreement
    var floatLoss: Double, quantizedLoss: Double
    var floatAccuracy: Double?, quantizedAccuracy: Double?
    func metric(_ kind: MetricKind, quantized q: Bool) -> Double {
        kind == .accuracy ? (q ? quantizedAccuracy : floatAccuracy) ?? 0 : (q ? quantizedLoss : floatLoss)
    }
}

/// Runs `float` and `quantized` on the first `maxBatches` evaluation batches of `split` (0: all), in one pass:
/// each model's cross-entropy and accuracy (as `evaluate` computes them) and their row-by-row agreement.
func compare(float: Network, quantized: Network, split: EvalSplit, context: Int, maxBatches: Int) throws -> SideBySide {
    let v = float.outputs
    let cap = evalRows(split, batchSize: 256, context: context)
    let ref = Tensor(zeros: [cap, v]), probs = Tensor(zeros: [cap, v])
    var rowsSeen = 0, same = 0, kl = 0.0, maxDiff = 0.0, sumRowMax = 0.0
    var lossF = 0.0, lossQ = 0.0, scored = 0, rightF = 0, rightQ = 0
    var pf = [Double](repeating: 0, count: v), pq = [Double](repeating: 0, count: v)
    try forEachEvalBatch(split, batchSize: 256, context: context, maxBatches: maxBatches) { input, y, rows in
        ref.data.update(from: float.predict(input), count: rows * v)
        let q = quantized.predict(input)
        let n = crossEntropyCount(targets: y, n: rows)
        lossF += Double(crossEntropyForward(probs: probs.data, losses: nil, logits: ref.data, targets: y, n: rows, v: v)) * Double(n)
        lossQ += Double(crossEntropyForward(probs: probs.data, losses: nil, logits: q, targets: y, n: rows, v: v)) * Double(n)
        scored += n
        for r in 0..<rows where y[r] >= 0 {
            let a = ref.data + r * v, b = q + r * v
            var ia = 0, ib = 0, rowMax = 0.0
            for j in 0..<v {
                if a[j] > a[ia] { ia = j }
                if b[j] > b[ib] { ib = j }
                rowMax = max(rowMax, Double(abs(a[j] - b[j])))
            }
            if ia == ib { same += 1 }
            if ia == Int(y[r]) { rightF += 1 }
            if ib == Int(y[r]) { rightQ += 1 }
            softmax(a, v, into: &pf)
            softmax(b, v, into: &pq)
            var d = 0.0
            for j in 0..<v where pf[j] > 0 { d += pf[j] * (log(pf[j]) - log(max(pq[j], 1e-300))) }
            kl += max(d, 0)
            maxDiff = max(maxDiff, rowMax)
            sumRowMax += rowMax
            rowsSeen += 1
        }
    }
    let n = Double(max(rowsSeen, 1)), m = Double(max(scored, 1))
    let a = Agreement(rows: rowsSeen, top1_agreement: Double(same) / n, mean_kl: kl / n, max_abs_logit_diff: maxDiff,
                      mean_max_abs_logit_diff: sumRowMax / n)
    let images: Bool = { if case .images = split { return true }; return false }()
    return SideBySide(agreement: a, floatLoss: lossF / m, quantizedLoss: lossQ / m,
                      floatAccuracy: images ? Double(rightF) / n : nil, quantizedAccuracy: images ? Double(rightQ) / n : nil)
}

private func softmax(_ z: UnsafePointer<Float>, _ v: Int, into p: inout [Double]) {
    var m = -Double.infinity
    for j in 0..<v { m = max(m, Double(z[j])) }
    var s = 0.0
    for j in 0..<v { p[j] = exp(Double(z[j]) - m); s += p[j] }
    for j in 0..<v { p[j] /= s }
}
