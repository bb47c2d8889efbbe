// Prune+GPT: checks GPT targets, ranks units, and picks the kept blocks, heads, neurons and channels (or searches a budget).
import CondenseCore
import Foundation

/// The GPT targets of a config, checked against the teacher before any calibration runs.
struct GPTTargets {
    var keepLayers: [Int]?       // from drop_layers
    var layerCount: Int?         // from layers
    var heads: Int?
    var ffn: Int?
    var embd: Int?
    var budget: Int?

    init(_ config: PruneConfig, _ c: GPTConfig, params: Int) throws {
        if !config.hidden.isEmpty {
            throw PruneError("--hidden applies to mlp models only; this is a gpt model (use --ffn, --heads, --embd, --layers)")
        }
        let L = c.n_layer
        if !config.drop_layers.isEmpty {
            if !config.layers.isEmpty { throw PruneError("give either --drop-layers or --layers, not both") }
            for i in config.drop_layers where !(0..<L).contains(i) {
                throw PruneError("--drop-layers: index \(i) is out of range; the model has layers 0..<\(L)")
            }
            let drop = Set(config.drop_layers)
            if drop.count != config.drop_layers.count {
                throw PruneError("--drop-layers: an index appears twice in \(config.drop_layers)")
            }
            if drop.count == L {
                throw PruneError("--drop-layers: removing every layer (all \(L)) is not allowed; keep at least 1")
            }
            keepLayers = (0..<L).filter { !drop.contains($0) }
        }
        if let t = try SizeTarget.parse(config.layers, option: "layers") {
            let n: Int
            switch t {
            case .count(let k): n = k
            case .ratio(let r): n = Int((Double(L) * r).rounded())
            }
            if n > L { throw PruneError("--layers: target \(n) is larger than the model's \(L) layers") }
            if n < 1 { throw PruneError("--layers: keeping \(n) layers would remove every layer; keep at least 1 of \(L)") }
            layerCount = n
        }
        heads = try SizeTarget.parse(config.heads, option: "heads")?.resolve(full: c.n_head, option: "heads", what: "heads")
        ffn = try SizeTarget.parse(config.ffn, option: "ffn")?.resolve(full: c.ffn_hidden, option: "ffn", what: "ffn neurons")
        embd = try SizeTarget.parse(config.embd, option: "embd")?.resolve(full: c.n_embd, option: "embd", what: "embedding channels")
        budget = try parseBudget(config.target_params, params: params)
    }
}

/// `--target-params N|P%` as a parameter count, checked against the teacher.
func parseBudget(_ text: String, params: Int) throws -> Int? {
    guard let t = try SizeTarget.parse(text, option: "target-params") else { return nil }
    let n: Int
    switch t {
    case .count(let k): n = k
    case .ratio(let r): n = Int(Double(params) * r)
    }
    if n > params { throw PruneError("--target-params: target \(n) is larger than the model's \(params) parameters") }
    if n < 1 { throw PruneError("--target-params: expected ≥ 1 parameters, found \(n)") }
    return n
}

func pruneGPT(_ model: ModelFile, _ c: GPTConfig, config: PruneConfig, criterion: PruneCriterion,
              layerCriterion: LayerCriterion, data: TaskData, val: EvalSplit) throws -> (ModelFile, PruneDetails) {
    let targets = try GPTTargets(config, c, params: model.parameterCount)
    let L = c.n_layer
    let cal = try calibrationBatches(data, model.architecture, config)
    let imp = Importance.gpt(model, config: c, criterion: criterion, calibration: cal)
    let ranker = LayerRanker(model: model, config: c, criterion: layerCriterion, calibration: cal, blockInfluence: imp.blockInfluence)
    var details = PruneDetails(family: "gpt", criterion: criterion.rawValue, layer_criterion: layerCriterion.rawValue,
                               architecture_before: model.architecture.json(), architecture_after: "",
                               calibration_samples: cal.samples, calibration_tokens: cal.samples * cal.context,
                               heads: imp.heads, neurons: imp.neurons, channels: imp.channels)
    func keptLayers(count: Int) -> [Int] {
        let d = Set(ranker.dropped(keeping: count))
        return (0..<L).filter { !d.contains($0) }
    }
    func plan(_ layers: [Int], heads: Int, ffn: Int, embd: Int) -> GPTKept {
        GPTKept(layers: layers, heads: layers.map { topK(imp.heads[$0], heads) },
                neurons: layers.map { topK(imp.neurons[$0], ffn) }, channels: topK(imp.channels, embd))
    }
    let fixedLayers = targets.keepLayers ?? targets.layerCount.map { keptLayers(count: $0) }
    var kept: GPTKept
    if let budget = targets.budget {
        details.budget = budget
        let shapes = gptCandidates(c, budget: budget, layers: fixedLayers.map { [$0.count] }, heads: targets.heads,
                                   ffn: targets.ffn, embd: targets.embd, max: config.max_candidates)
        if shapes.isEmpty {
            throw PruneError("--target-params: no candidate architecture fits \(budget) parameters with the given targets")
        }
        var best: (kept: GPTKept, loss: Double)?
        for s in shapes {
            let k = plan(fixedLayers ?? keptLayers(count: s.n_layer), heads: s.n_head, ffn: s.ffn_hidden, embd: s.n_embd)
            let student = sliceGPT(model, c, kept: k)
            let net = makeNetwork(student)
            let loss = try evaluate(net, on: val, splitName: "val", context: c.block_size, maxBatches: config.search_val_batches).loss
            details.candidates.append(Candidate(layers: s.n_layer, heads: s.n_head, embd: s.n_embd, ffn: s.ffn_hidden,
                                                params: student.parameterCount, val_loss: loss, chosen: false))
            if best == nil || loss < best!.loss { best = (k, loss) }
        }
        kept = best!.kept
        let i = details.candidates.indices.min { details.candidates[$0].val_loss < details.candidates[$1].val_loss }!
        details.candidates[i].chosen = true
    } else {
        kept = plan(fixedLayers ?? Array(0..<L), heads: targets.heads ?? c.n_head, ffn: targets.ffn ?? c.ffn_hidden,
                    embd: targets.embd ?? c.n_embd)
    }
    let student = sliceGPT(model, c, kept: kept)
    details.layers = (0..<L).map {
        LayerScore(index: $0, block_influence: imp.blockInfluence[$0], loss_increase: ranker.lossIncrease?[$0],
                   kept: kept.layers.contains($0))
    }
    details.contiguous_windows = ranker.windows
    details.kept_gpt = kept
    details.architecture_after = student.architecture.json()
    return (student, details)
}

/// Candidate shapes within `budget`: depth from n_layer down to half, heads at 100/75/50%, embedding at 100…50% in
/// multiples of 8, and the widest ffn (a multiple of 8) that fits. Fixed targets pin their dimension. Shapes
/// under 90% of the budget are dropped when closer ones exist; at most `max` are kept, spread evenly.
func gptCandidates(_ c: GPTConfig, budget: Int, layers: [Int]?, heads: Int?, ffn: Int?, embd: Int?, max: Int) -> [GPTConfig] {
    func unique(_ xs: [Int]) -> [Int] { var seen = Set<Int>(); return xs.filter { $0 >= 1 && seen.insert($0).inserted } }
    let layerOpts = layers ?? Array(stride(from: c.n_layer, through: Swift.max(1, (c.n_layer + 1) / 2), by: -1))
    let headOpts = heads.map { [$0] } ?? unique([1.0, 0.75, 0.5].map { Int((Double(c.n_head) * $0).rounded()) })
    let embdOpts = embd.map { [$0] } ?? unique([1.0, 0.875, 0.75, 0.625, 0.5].map { r in
        let e = Double(c.n_embd) * r
        return e >= 8 ? Int((e / 8).rounded()) * 8 : Int(e.rounded())
    }.map { Swift.min($0, c.n_embd) })
    var all: [GPTConfig] = []
    for l in layerOpts { for h in headOpts { for e in embdOpts {
        var g = c
        g.n_layer = l; g.n_head = h; g.n_embd = e
        if let ffn {
            g.ffn_hidden = ffn
        } else {
            g.ffn_hidden = 0
            let base = Architecture.gpt(g).parameterCount
            g.ffn_hidden = 1
            let slope = Architecture.gpt(g).parameterCount - base
            guard budget > base, slope > 0 else { continue }
            var f = Swift.min(c.ffn_hidden, (budget - base) / slope)
            if f >= 8 { f = f / 8 * 8 }
            g.ffn_hidden = f
        }
        if g.ffn_hidden >= 1 && Architecture.gpt(g).parameterCount <= budget { all.append(g) }
    } } }
    let near = all.filter { Double(Architecture.gpt($0).parameterCount) >= 0.9 * Double(budget) }
    let pool = near.isEmpty ? all : near
    if pool.count <= max || max < 1 { return pool }
    return (0..<max).map { pool[$0 * pool.count / max] }
}
