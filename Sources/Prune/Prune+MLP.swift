// Prune+MLP: checks MLP targets, ranks hidden units, and picks the kept units per layer (or searches a budget).
import CondenseCore
import Foundation

/// Hidden widths from `--hidden` (one value for every layer, or one per layer), checked against the teacher.
func mlpWidths(_ config: PruneConfig, _ c: MLPConfig) throws -> [Int]? {
    let gptOnly: [(String, Bool)] = [("drop-layers", !config.drop_layers.isEmpty), ("layers", !config.layers.isEmpty),
                                     ("ffn", !config.ffn.isEmpty), ("heads", !config.heads.isEmpty), ("embd", !config.embd.isEmpty)]
    if let (name, _) = gptOnly.first(where: { $0.1 }) {
        throw PruneError("--\(name) applies to gpt models only; this is an mlp model (use --hidden)")
    }
    if config.hidden.isEmpty { return nil }
    let H = c.hidden
    if H.isEmpty { throw PruneError("--hidden: the mlp has no hidden layer to prune") }
    let parts = config.hidden.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 1 || parts.count == H.count else {
        throw PruneError("--hidden: expected 1 or \(H.count) comma-separated widths (the model has \(H.count) hidden layers), found \(parts.count)")
    }
    return try H.indices.map { j in
        let s = parts.count == 1 ? parts[0] : parts[j]
        guard let t = try SizeTarget.parse(s, option: "hidden") else {
            throw PruneError("--hidden: expected a width for hidden layer \(j), found \"\(config.hidden)\"")
        }
        return try t.resolve(full: H[j], option: "hidden", what: "units in hidden layer \(j)")
    }
}

func pruneMLP(_ model: ModelFile, _ c: MLPConfig, config: PruneConfig, criterion: PruneCriterion,
              data: TaskData, val: EvalSplit) throws -> (ModelFile, PruneDetails) {
    let widths = try mlpWidths(config, c)
    let budget = try parseBudget(config.target_params, params: model.parameterCount)
    if budget != nil && widths != nil { throw PruneError("give either --hidden or --target-params, not both") }
    if budget != nil && c.hidden.isEmpty { throw PruneError("--target-params: the mlp has no hidden layer to prune") }
    let cal = try calibrationBatches(data, model.architecture, config)
    let imp = Importance.mlp(model, config: c, criterion: criterion, calibration: cal)
    var details = PruneDetails(family: "mlp", criterion: criterion.rawValue, layer_criterion: nil,
                               architecture_before: model.architecture.json(), architecture_after: "",
                               calibration_samples: cal.samples, calibration_tokens: 0, neurons: imp.neurons)
    func plan(_ w: [Int]) -> MLPKept { MLPKept(hidden: w.indices.map { topK(imp.neurons[$0], w[$0]) }) }
    var kept: MLPKept
    if let budget {
        details.budget = budget
        let shapes = mlpCandidates(c, budget: budget)
        if shapes.isEmpty { throw PruneError("--target-params: no hidden widths fit \(budget) parameters") }
        var best: (kept: MLPKept, loss: Double)?
        for w in shapes.prefix(max(config.max_candidates, 1)) {
            let k = plan(w)
            let student = sliceMLP(model, c, kept: k)
            let loss = try evaluate(makeNetwork(student), on: val, splitName: "val", maxBatches: config.search_val_batches).loss
            details.candidates.append(Candidate(hidden: w, params: student.parameterCount, val_loss: loss, chosen: false))
            if best == nil || loss < best!.loss { best = (k, loss) }
        }
        kept = best!.kept
        let i = details.candidates.indices.min { details.candidates[$0].val_loss < details.candidates[$1].val_loss }!
        details.candidates[i].chosen = true
    } else {
        kept = plan(widths ?? c.hidden)
    }
    let student = sliceMLP(model, c, kept: kept)
    details.kept_mlp = kept
    details.architecture_after = student.architecture.json()
    return (student, details)
}

/// Hidden widths within `budget`: for each shape s (later layers scaled by s^(j/(n−1)) relative to the teacher's
/// proportions), the largest uniform scale that fits, found by bisection. Widths stay in 1…teacher width.
func mlpCandidates(_ c: MLPConfig, budget: Int) -> [[Int]] {
    let H = c.hidden, n = H.count
    let shapes: [Double] = n == 1 ? [1] : [0.25, 0.5, 1, 2, 4, 8, 16]
    var out: [[Int]] = []
    for s in shapes {
        func widths(_ r: Double) -> [Int] {
            H.indices.map { j in
                let f = n == 1 ? 1 : pow(s, Double(j) / Double(n - 1))
                return min(H[j], max(1, Int(Double(H[j]) * r * f)))
            }
        }
        func params(_ w: [Int]) -> Int { var m = c; m.hidden = w; return Architecture.mlp(m).parameterCount }
        var lo = 0.0, hi = 64.0
        for _ in 0..<60 { let mid = (lo + hi) / 2; if params(widths(mid)) <= budget { lo = mid } else { hi = mid } }
        let w = widths(lo)
        if params(w) <= budget && !out.contains(w) { out.append(w) }
    }
    return out
}
