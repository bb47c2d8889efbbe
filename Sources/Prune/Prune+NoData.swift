// Prune+NoData: pruning with no data at hand: explicit GPT block indices, and explicit widths ranked by weight magnitude.
import CondenseCore
import Foundation

/// Why `config` needs data, or nil when it can run on the weights alone.
public func pruneDataNeed(_ config: PruneConfig) -> String? {
    if !config.target_params.isEmpty {
        return "target_params scores each candidate architecture on the validation split"
    }
    if !config.layers.isEmpty {
        return "layers ranks blocks by \(config.layer_criterion) on calibration batches; name the blocks with drop_layers instead"
    }
    let widths = [config.ffn, config.heads, config.embd, config.hidden].contains { !$0.isEmpty }
    if widths && config.criterion != PruneCriterion.magnitude.rawValue {
        return "criterion \(config.criterion) ranks units by their activations or gradients on calibration batches; use criterion magnitude"
    }
    return nil
}

func pruneWithoutData(_ model: ModelFile, config: PruneConfig, criterion: PruneCriterion, start: Date) throws -> (ModelFile, StageReport) {
    if let need = pruneDataNeed(config) { throw PruneError("prune needs data here: \(need); give --data PATH (or data.path)") }
    var student: ModelFile, details: PruneDetails
    let kind: MetricKind
    switch model.architecture {
    case .gpt(let c):
        kind = .loss
        let t = try GPTTargets(config, c, params: model.parameterCount)
        let L = c.n_layer
        var imp = Importance(neurons: Array(repeating: zeros(c.ffn_hidden), count: L), heads: Array(repeating: zeros(c.n_head), count: L),
                             channels: zeros(c.n_embd), blockInfluence: zeros(L))
        imp.magnitudeGPT(model, c)
        let layers = t.keepLayers ?? Array(0..<L)
        let kept = GPTKept(layers: layers, heads: layers.map { topK(imp.heads[$0], t.heads ?? c.n_head) },
                           neurons: layers.map { topK(imp.neurons[$0], t.ffn ?? c.ffn_hidden) }, channels: topK(imp.channels, t.embd ?? c.n_embd))
        student = sliceGPT(model, c, kept: kept)
        details = PruneDetails(family: "gpt", criterion: criterion.rawValue, layer_criterion: nil, architecture_before: model.architecture.json(),
                               architecture_after: student.architecture.json(), calibration_samples: 0, calibration_tokens: 0,
                               heads: imp.heads, neurons: imp.neurons, channels: imp.channels)
        details.kept_gpt = kept
    case .mlp(let c):
        kind = .accuracy
        let widths = try mlpWidths(config, c) ?? c.hidden
        let imp = Importance.mlpMagnitude(model, c)
        let kept = MLPKept(hidden: widths.indices.map { topK(imp.neurons[$0], widths[$0]) })
        student = sliceMLP(model, c, kept: kept)
        details = PruneDetails(family: "mlp", criterion: criterion.rawValue, layer_criterion: nil, architecture_before: model.architecture.json(),
                               architecture_after: student.architecture.json(), calibration_samples: 0, calibration_tokens: 0, neurons: imp.neurons)
        details.kept_mlp = kept
    }
    let configJSON = try JSONValue(encoding: config)
    var record = configJSON
    if case .object(var o) = record {
        o["kept"] = try details.kept_gpt.map { try JSONValue(encoding: $0) } ?? JSONValue(encoding: details.kept_mlp)
        o["data"] = .string("none: pruned on the weights alone, no metric measured")
        record = .object(o)
    }
    student.history = model.history + [HistoryRecord(stage: "prune", config: record, paramsBefore: model.parameterCount,
                                                     paramsAfter: student.parameterCount, seed: config.seed).json]
    var report = StageReport(stage: "prune", paramsBefore: model.parameterCount, paramsAfter: student.parameterCount,
                             metricKind: kind, metricBefore: nil, metricAfter: nil, wallSeconds: Date().timeIntervalSince(start),
                             seed: config.seed, config: configJSON, details: try JSONValue(encoding: details))
    guard config.latency else { return (student, report) }
    let a = makeNetwork(model), b = makeNetwork(student)
    report.measureLatency(before: a, after: b, batch: b.context > 0 ? 8 : 256)
    return (student, report)
}

