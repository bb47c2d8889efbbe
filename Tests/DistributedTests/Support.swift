// Support: the data-parallel tests' fixtures: a linear Fashion-MNIST classifier config, checkpoint tensors, and the
// derived bound on one AdamW step taken from gradients summed in two orders.
import CondenseCore
import Foundation
import HDF5
import TestSupport

enum Fixture {
    /// Features per example of the synthetic table (`writeTable`).
    static let inputs = 64

    /// A labelled table in `dir`/x.npy and y.npy: 6,000 rows of 64 features uniform in [0, 1) (float32), and labels
    /// 0…9, the argmax of a fixed random linear map of the features (so a linear model can learn them). Small, so that
    /// each process of a test reads it in milliseconds; cut 80/10/10 into train/val/test by the reader.
    static func writeTable(_ dir: URL) throws {
        var rng = SplitMix64(seed: 11)
        let n = 6_000, f = inputs, classes = 10
        let map = (0..<(classes * f)).map { _ in Float(rng.uniform() - 0.5) }
        var x = [Float](), y = [Int64]()
        for _ in 0..<n {
            let row = (0..<f).map { _ in Float(rng.uniform()) }
            x += row
            let scores = (0..<classes).map { k in zip(map[(k * f)..<((k + 1) * f)], row).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
            y.append(Int64(scores.indices.max { scores[$0] < scores[$1] }!))
        }
        try npy(descr: "<f4", shape: "(\(n), \(f))", x.withUnsafeBytes { Data($0) }).write(to: dir.appendingPathComponent("x.npy"))
        try npy(descr: "<i8", shape: "(\(n),)", y.withUnsafeBytes { Data($0) }).write(to: dir.appendingPathComponent("y.npy"))
    }

    /// NumPy's .npy version 1.0: magic, header length, a Python dict padded with spaces to 64 bytes, the data.
    private static func npy(descr: String, shape: String, _ body: Data) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let len = UInt16(header.utf8.count)
        d.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8)])
        d.append(contentsOf: Array(header.utf8))
        d.append(body)
        return d
    }

    /// A temporary folder `label` with the table and its linear config `c.yaml` (`linearConfig`'s arguments).
    static func linearRun(_ label: String, steps: Int, batch: Int = 32, checkpointEvery: Int = 0) throws -> (dir: URL, cfg: URL) {
        let dir = TestSupport.tempDir(label), cfg = dir.appendingPathComponent("c.yaml")
        try writeTable(dir)
        try linearConfig(data: dir.appendingPathComponent("x.npy"), steps: steps, batch: batch, checkpointEvery: checkpointEvery)
            .write(to: cfg, atomically: true, encoding: .utf8)
        return (dir, cfg)
    }

    /// The table in `dir`, and two linear classifiers on it written as `s.h5` (student, seed 1) and `t.h5` (teacher,
    /// seed 2); returns their paths and the teacher's file.
    static func studentAndTeacher(_ dir: URL) throws -> (student: String, teacher: String, teacherFile: ModelFile) {
        let student = dir.appendingPathComponent("s.h5").path, teacher = dir.appendingPathComponent("t.h5").path
        try writeTable(dir)
        let linear = Architecture.mlp(MLPConfig(inputs: inputs, hidden: [], classes: 10))
        try makeNetwork(linear, seed: 1).modelFile().write(to: student)
        let t = makeNetwork(linear, seed: 2).modelFile()
        try t.write(to: teacher)
        return (student, teacher, t)
    }

    /// A linear softmax classifier (no hidden layer) on the table in `data`: every gradient element's terms are
    /// bounded (below), which makes the one-step bound tight. grad_clip 0 and warmup 0 keep the first step a plain
    /// AdamW step.
    static func linearConfig(data: URL, steps: Int, batch: Int = 32, checkpointEvery: Int = 0, evalBatches: Int = 0) -> String {
        """
        model:
          family: mlp
          hidden: []
        data:
          path: \(data.path)
        train:
          batch_size: \(batch)
          steps: \(steps)
          lr: 0.001
          min_lr: 0.0001
          warmup_steps: 0
          weight_decay: 0.1
          grad_clip: 0
          eval_every: 0
          eval_batches: \(evalBatches)
          checkpoint_every: \(checkpointEvery == 0 ? steps : checkpointEvery)
          log_every: 1
        seed: 7
        """
    }

    static let names = ["layers/0/weight", "layers/0/bias"]

    /// A checkpoint's tensors under `group` ("model" or "adam_m"), by parameter name.
    static func tensors(_ checkpoint: URL, _ group: String) throws -> [String: [Float]] {
        let root = try HDF5.File(openReadOnly: checkpoint.path).root
        var out: [String: [Float]] = [:]
        for n in names { out[n] = try root.dataset(group + "/" + n).read(as: Float.self) }
        return out
    }

    /// The final validation result a training log ends with.
    static func lastVal(_ log: URL) throws -> (loss: Double, metric: Double) {
        let line = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").last ?? ""
        let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        return ((o["val_loss"] as! NSNumber).doubleValue, (o["val_metric"] as! NSNumber).doubleValue)
    }
}

/// One AdamW step (t = 1) of a linear classifier from gradients that two runs summed in different orders.
///
/// The gradient. Row r of a batch of B (a power of two, so dividing by B or by B/2 and halving is exact) has logits
/// z_r = W·x_r + b, x ∈ [0, 1]^F; dL/dz_r = c_r/B with Σ_k|c_rk| ≤ `rowSum` (cross-entropy: p − y, Σ|p − y| ≤ 2; the
/// distillation loss: α·T·(q^T − p^T) + (1 − α)(q − y), ≤ 2αT + 2(1 − α)). Per element, a gradient G_kj = Σ_r c_rk·x_rj/B
/// has Σ|terms| ≤ Σ_r |c_rk|/B ≤ `columnSum` (≤ 1 for cross-entropy: |p − y| ≤ 1; αT + 1 − α for the distillation
/// loss), so two summation orders (one process: B terms; two ranks: B/2 each, then one more addition) differ by at most
/// 2γ_B·columnSum. The logits differ too: a shard's sgemm may split the (F + 1)-term dots differently, by at most
/// δz = 2γ_{F+1}·max_k(Σ_j|W_kj| + |b_k|) (`logitBound`), and a softmax moves by Σ_k|Δp_k| ≤ 2·max|Δz|/T to first order
/// (its Jacobian diag(p) − ppᵀ has absolute column sums ≤ 2p_k), so Σ_r Σ_k |Δc_rk|·x/B ≤ `logitTerm`. Hence
///   δG = 2γ_B·columnSum + logitTerm.
/// The step. m = (1 − β1)·g, so |Δm| ≤ (1 − β1)·δG + u·(|m1| + |m2|). The update is lr·(φ(g) + wd·w) with
/// φ(g) = g/(|g| + ε) after bias correction, whose derivative is ε/(|g| + ε)²: |φ(g1) − φ(g2)| ≤ δG·ε/(max(|g1| − δG, 0) + ε)²,
/// and never more than 2. Each run computes φ with ≤ 10 roundings of values ≤ 1 in size (≤ 10u each) and the update
/// with 3 more (≤ u·(|w| + lr) each): |Δw| ≤ lr·(dφ + 20u) + 6u·(|w| + lr).
/// A missing average doubles g (caught by m: δG is ~1e-5 against g ~ 1e-3), a wrong shard or a stale gradient changes
/// g by its own size; neither hides under these bounds.
struct OneStepBound {
    let batch: Int
    let lr: Double, beta1: Double, eps: Double
    let columnSum: Double
    let logitTerm: Double

    var gradient: Double { 2 * FloatBounds.gamma(batch) * columnSum + logitTerm }

    /// δz for weights `w` (classes × inputs) and biases `b`, enlarged by one step's movement (≤ lr·(1 + wd·|w|) per
    /// element) since `w` is read after the step.
    static func logitBound(w: [Float], b: [Float], inputs: Int, lr: Double) -> Double {
        var worst = 0.0
        for k in b.indices {
            let row = w[(k * inputs)..<((k + 1) * inputs)].reduce(0.0) { $0 + Double(abs($1)) + 1.01 * lr }
            worst = max(worst, row + Double(abs(b[k])) + 1.01 * lr)
        }
        return 2 * FloatBounds.gamma(inputs + 1) * worst
    }

    /// The largest |Δm| and |Δw| of run 2 against run 1, each over its bound (≤ 1 passes).
    func ratios(m1: [Float], m2: [Float], w1: [Float], w2: [Float]) -> (moment: Double, weight: Double) {
        let u = FloatBounds.u, dG = gradient
        var rm = 0.0, rw = 0.0
        for i in m1.indices {
            let a = Double(m1[i]), b = Double(m2[i])
            let mBound = (1 - beta1) * dG * (1 + u) + u * (abs(a) + abs(b))
            rm = max(rm, abs(a - b) / mBound)
            let g = abs(a) / (1 - beta1)
            let dPhi = min(2, dG * eps / pow(max(g - dG, 0) + eps, 2))
            let wBound = lr * (dPhi + 20 * u) + 6 * u * (Double(abs(w1[i])) + lr)
            rw = max(rw, abs(Double(w1[i]) - Double(w2[i])) / wBound)
        }
        return (rm, rw)
    }
}
