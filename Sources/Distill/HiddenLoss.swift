// HiddenLoss: the optional intermediate hidden-state loss of GPT students: student block outputs (the residual stream)
// matched to teacher block outputs by cosine or relative MSE, through a learned linear projection when widths differ.
import CondenseCore
import Foundation

/// The evenly spaced default mapping: student block i ↔ teacher block round((i+1)·L_t/L_s) − 1 (so the last blocks
/// match, and equal depths match one to one).
func evenlySpacedMap(student: Int, teacher: Int) -> [Int] {
    (0..<student).map { i in Int((Double((i + 1) * teacher) / Double(student)).rounded()) - 1 }
}

/// The student ↔ teacher block pairs of the hidden-state loss, checked against both architectures.
func hiddenPairs(_ config: DistillConfig, student: GPTConfig, teacher: GPTConfig) throws -> [(student: Int, teacher: Int)] {
    let map = config.hidden_map.isEmpty ? evenlySpacedMap(student: student.n_layer, teacher: teacher.n_layer) : config.hidden_map
    guard map.count == student.n_layer else {
        throw FormatError(file: "distill", path: "hidden_map",
                          "expected one teacher block per student block (\(student.n_layer) entries, -1 for none), found \(map.count): \(map)")
    }
    guard map.allSatisfy({ $0 >= -1 && $0 < teacher.n_layer }), map.contains(where: { $0 >= 0 }) else {
        throw FormatError(file: "distill", path: "hidden_map",
                          "expected teacher blocks in 0..<\(teacher.n_layer) (or -1 for none), at least one, found \(map)")
    }
    return map.enumerated().filter { $0.element >= 0 }.map { (student: $0.offset, teacher: $0.element) }
}

/// One matched pair, summed over the counted rows: x = P·h_s (h_s when `w` is nil), per row
/// cosine: 1 − x·t / (‖x‖·‖t‖), mse: ‖x − t‖² / ‖t‖². Writes dhs (rows, cs) = scale·dℓ/dh_s (overwritten) and
/// adds scale·dℓ/dP into dw. x and dx are scratch (rows, ct). Returns Σ_rows ℓ (not scaled).
func hiddenPairLoss(_ kind: HiddenLossKind, hs: UnsafePointer<Float>, ht: UnsafePointer<Float>,
                    w: UnsafePointer<Float>?, dw: UnsafeMutablePointer<Float>?, rows: Int, cs: Int, ct: Int,
                    counted: UnsafePointer<Int32>, scale: Float, x: UnsafeMutablePointer<Float>,
                    dx: UnsafeMutablePointer<Float>, dhs: UnsafeMutablePointer<Float>) -> Double {
    let xs: UnsafePointer<Float>
    if let w {
        linearForward(out: x, inp: hs, weight: w, bias: nil, n: rows, c: cs, oc: ct)   // (rows, cs) · Pᵀ → (rows, ct)
        xs = UnsafePointer(x)
    } else {
        precondition(cs == ct, "no projection needs equal widths")
        xs = hs
    }
    var total = 0.0
    for r in 0..<rows {
        let xr = xs + r * ct, tr = ht + r * ct, d = (w == nil ? dhs : dx) + r * ct
        guard counted[r] >= 0 else { d.update(repeating: 0, count: ct); continue }
        switch kind {
        case .none:
            d.update(repeating: 0, count: ct)
        case .cosine:
            var xx = 0.0, tt = 0.0, xt = 0.0
            for j in 0..<ct { let a = Double(xr[j]), b = Double(tr[j]); xx += a * a; tt += b * b; xt += a * b }
            let nx = Swift.max(xx.squareRoot(), 1e-12), nt = Swift.max(tt.squareRoot(), 1e-12)
            let cosv = xt / (nx * nt)
            total += 1 - cosv
            // d(1 − cos)/dx = −t/(‖x‖‖t‖) + cos·x/‖x‖²
            let a = Float(-1 / (nx * nt)) * scale, b = Float(cosv / (nx * nx)) * scale
            for j in 0..<ct { d[j] = a * tr[j] + b * xr[j] }
        case .mse:
            var tt = 0.0, e = 0.0
            for j in 0..<ct { let b = Double(tr[j]), diff = Double(xr[j]) - b; tt += b * b; e += diff * diff }
            let den = Swift.max(tt, 1e-12)
            total += e / den
            let a = Float(2 / den) * scale
            for j in 0..<ct { d[j] = a * (xr[j] - tr[j]) }
        }
    }
    if let w, let dw {
        // x = hs·Pᵀ: dhs = dx·P (overwritten), dP += dxᵀ·hs
        linearBackward(dinp: dhs, dweight: dw, dbias: nil, dout: dx, inp: hs, weight: w, n: rows, c: cs, oc: ct)
    }
    return total
}

/// Matches the student's block outputs to the teacher's for one batch, and injects the gradients into the student
/// GPT's backward (`residualGradients`). The projections (C_t, C_s), used when the widths differ, are the method's
/// extra parameters: the Trainer optimizes them with the student (their own AdamW moments, the same schedule, outside
/// the gradient-norm clip) and checkpoints them with the model; they are never written to the model file.
final class HiddenMatcher {
    let kind: HiddenLossKind
    let weight: Double
    let pairs: [(student: Int, teacher: Int)]
    let cs: Int, ct: Int
    let student: GPT
    /// The projections `distill/hidden_proj/{i}/weight`, or nil when the widths are equal.
    let projections: ParameterStore?
    /// 1/grad_accum, as the Trainer scales dlogits.
    var gradScale: Float = 1
    private var dh: [Int: Tensor] = [:]
    private var x = Tensor(zeros: [0]), dx = Tensor(zeros: [0])
    /// The last batch's H (mean over pairs and counted rows).
    private(set) var last = 0.0

    static func projectionName(_ block: Int) -> String { "distill/hidden_proj/\(block)/weight" }

    /// Projections ~ N(0, 1/C_s), seeded, when the widths differ.
    init(config: DistillConfig, student: GPT, teacher: GPTConfig) throws {
        kind = config.hidden_loss
        weight = config.hidden_weight
        pairs = try hiddenPairs(config, student: student.config, teacher: teacher)
        cs = student.config.n_embd; ct = teacher.n_embd
        self.student = student
        if cs != ct {
            var rng = RNG(seed: config.seed ^ 0x41DD_E4B0)
            var values: [String: Tensor] = [:]
            let (c1, c2) = (ct, cs)
            let specs = pairs.map { ParameterSpec.extra(path: HiddenMatcher.projectionName($0.student), shape: [c1, c2]) }
            for s in specs {
                let t = Tensor(zeros: s.shape)
                t.fillNormal(std: 1 / Float(cs).squareRoot(), rng: &rng)
                values[s.path] = t
            }
            let store = ParameterStore(specs: specs, values: values, decay: { _ in true })
            projections = store
        } else {
            projections = nil
        }
    }

    var hasProjection: Bool { projections != nil }

    /// After the student's training forward and the teacher's forward on the same input: returns H and stages
    /// `factor`·dH (factor = α·w) for the student's backward, and adds it to the projections' gradients.
    func compute(teacher: GPT, targets: UnsafePointer<Int32>, rows: Int, factor: Double) -> Double {
        let count = (0..<rows).reduce(0) { $0 + (targets[$1] >= 0 ? 1 : 0) }
        guard count > 0 else { last = 0; student.residualGradients = [:]; return 0 }
        if x.count != rows * ct { x = Tensor(zeros: [rows, ct]); dx = Tensor(zeros: [rows, ct]) }
        let scale = Float(factor / Double(pairs.count * count)) * gradScale
        var sum = 0.0
        var staged: [Int: UnsafePointer<Float>] = [:]
        for p in pairs {
            if dh[p.student]?.count != rows * cs { dh[p.student] = Tensor(zeros: [rows, cs]) }
            let d = dh[p.student]!
            let name = Self.projectionName(p.student)
            let w = projections.map { UnsafePointer($0[name].data) }
            let dw = projections.map { $0.grad(name).data }
            sum += hiddenPairLoss(kind, hs: student.blocks[p.student].res3.data, ht: teacher.blocks[p.teacher].res3.data,
                                  w: w, dw: dw, rows: rows, cs: cs, ct: ct, counted: targets, scale: scale,
                                  x: x.data, dx: dx.data, dhs: d.data)
            staged[p.student] = UnsafePointer(d.data)
        }
        student.residualGradients = staged
        last = sum / Double(pairs.count * count)
        return last
    }

    /// No hidden gradient for this batch (α = 0).
    func skip() { student.residualGradients = [:] }
}
