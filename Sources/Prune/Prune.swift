// Prune: the stage's single entry point: a teacher, a config and the task data in; a physically smaller student and a report out.
import CondenseCore
import Foundation

/// Prunes `model` (never modified) by depth and width, with importance measured on calibration batches from the
/// training split, and returns the student (its history extended by one record holding the kept indices) and
/// the stage report (metric on the validation split before and after, importance tables, budget candidates).
/// Bytes on disk are left for whoever writes the files.
/// With `data` nil it prunes without data: explicit GPT blocks (drop_layers) and explicit widths ranked by weight
/// magnitude only; any other target is an error that names what it needs data for. The metrics are then absent.
public func prune(_ model: ModelFile, config: PruneConfig, data: TaskData?) throws -> (ModelFile, StageReport) {
    let start = Date()
    if let layer = model.quantized.keys.sorted().first {
        throw PruneError("\(layer): the model is already quantized (int8 qweight); prune a float model (prune comes before quantize)")
    }
    // The counts' limits only: the targets are checked against the model below, with messages that name its sizes.
    try config.checkCounts()
    let criterion = try config.criterion.parseChoice(PruneCriterion.self, option: "criterion")
    let layerCriterion = try config.layer_criterion.parseChoice(LayerCriterion.self, option: "layer-criterion")
    guard let data else { return try pruneWithoutData(model, config: config, criterion: criterion, start: start) }
    do {
        try data.check(model.architecture, model: "model")
    } catch {
        throw PruneError("calibration data does not fit the model: \(error)")
    }
    let val = try data.split(.val)
    var student: ModelFile, details: PruneDetails
    switch model.architecture {
    case .gpt(let c):
        (student, details) = try pruneGPT(model, c, config: config, criterion: criterion, layerCriterion: layerCriterion,
                                          data: data, val: val)
    case .mlp(let c):
        (student, details) = try pruneMLP(model, c, config: config, criterion: criterion, data: data, val: val)
    }
    let teacherNet = makeNetwork(model), studentNet = makeNetwork(student)
    let before = try evaluate(teacherNet, on: val, splitName: "val", context: teacherNet.context, maxBatches: config.val_batches)
    let after = try evaluate(studentNet, on: val, splitName: "val", context: studentNet.context, maxBatches: config.val_batches)
    details.val_loss_before = before.loss
    details.val_loss_after = after.loss

    let configJSON = try JSONValue(encoding: config)
    var record = configJSON
    if case .object(var o) = record {
        o["kept"] = try details.kept_gpt.map { try JSONValue(encoding: $0) } ?? JSONValue(encoding: details.kept_mlp)
        record = .object(o)
    }
    let kind = data.metricKind.rawValue
    let metrics = JSONValue.object(["split": .string("val"), "metric": .string(kind), "metric_before": .number(before.metric),
                                    "metric_after": .number(after.metric), "loss_before": .number(before.loss),
                                    "loss_after": .number(after.loss)])
    student.history = model.history + [HistoryRecord(stage: "prune", config: record, paramsBefore: model.parameterCount,
                                                     paramsAfter: student.parameterCount, metrics: metrics, seed: config.seed).json]

    var report = StageReport(stage: "prune", paramsBefore: model.parameterCount, paramsAfter: student.parameterCount,
                             metricKind: data.metricKind, metricBefore: before.metric, metricAfter: after.metric,
                             wallSeconds: Date().timeIntervalSince(start), seed: config.seed, config: configJSON, details: try JSONValue(encoding: details))
    // latency is measured after the wall time is taken: it is a report, not part of pruning
    guard config.latency else { return (student, report) }
    report.measureLatency(before: teacherNet, after: studentNet, batch: studentNet.context > 0 ? 8 : 256)
    return (student, report)
}
