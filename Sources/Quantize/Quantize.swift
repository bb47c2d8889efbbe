// Quantize: the stage's single entry point: a float model, a config and the task data in; an INT8 model and a report out.
import CondenseCore
import Foundation

/// A quantize-stage error: the message names the option, layer or file and what was expected.
public struct QuantizeError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Quantizes `model` (never modified): linear weights to symmetric int8 per output channel, activations dynamic
/// (per token at run time) or static (one calibrated scale per tensor), optional SmoothQuant, `keep` layers left in
/// float; embeddings, LayerNorms and a tied lm_head stay float. Returns the int8 model (its history extended by one
/// record) and the stage report: metric on the validation split before and after, per-layer SQNR, and agreement
/// with the float model. Bytes on disk are left for whoever writes the files.
public func quantize(_ model: ModelFile, config: QuantizeConfig, data: TaskData) throws -> (ModelFile, StageReport) {
    let start = Date()
    try config.validate()
    let method = CalibrationMethod(rawValue: config.calibration)!
    if let layer = model.quantized.keys.sorted().first {
        throw QuantizeError("the model is already quantized (\(layer) holds int8 qweight); quantize a float model")
    }
    do { try data.check(model.architecture, model: "model") } catch {
        throw QuantizeError("the data does not fit the model: \(error)")
    }
    for name in model.parameters.keys.sorted() {
        let t = model.parameters[name]!
        if let i = t.firstNonFinite() {
            throw QuantizeError("\(name): element \(i) is \(t[i]); quantization needs finite weights (was training diverging?)")
        }
    }
    let layers = try selectLayers(model, keep: config.keep)
    let chosen = Set(layers.quantize.map(\.path))

    // Calibration: statistics of every chosen layer's input on the float model.
    let floatNet = makeNetwork(model)
    let replay = try calibrationReplay(model, config: config, data: data)
    let raw = RangeObserver(layers: chosen)
    raw.run(floatNet, replay)
    var divisors: [String: [Float]] = [:]
    if let alpha = config.smoothquant.alpha {
        for l in layers.quantize {
            let cm = raw.stats[l.path]?.columnMax ?? [Float](repeating: 0, count: l.k)
            divisors[l.path] = smoothingDivisors(columnMax: cm, weight: model.parameters[l.path + "/weight"]!.data, n: l.n, k: l.k, alpha: alpha)
        }
    }
    var smoothed = raw
    if !divisors.isEmpty && config.activations == "static" {
        smoothed = RangeObserver(layers: chosen, divisors: divisors, keepRows: 0)
        smoothed.run(floatNet, replay)
    }

    // Weights (× smoothing), per-channel int8; static activation scales.
    var out = model
    var rows: [LayerRow] = []
    for l in layers.quantize {
        let w = model.parameters[l.path + "/weight"]!
        var src = w
        if let d = divisors[l.path] {
            src = w.copy()
            for r in 0..<l.n { for j in 0..<l.k { src[r * l.k + j] *= d[j] } }
        }
        let (q, sw) = try Int8Linear.quantizePerChannel(src.data, n: l.n, k: l.k, maxLevel: config.weight_bits == 7 ? 63 : 127)
        var inputScale: Float?
        if config.activations == "static", let st = smoothed.stats[l.path] {
            inputScale = activationScale(method: method, tensorMax: st.tensorMax, samples: st.samples, percentile: config.percentile)
        } else if config.activations == "static" {
            inputScale = 1   // the layer never ran on the calibration data (cannot happen for a connected model)
        }
        out.quantized[l.path] = QuantizedLinear(scheme: config.activations == "static" ? .static : .dynamic, n: l.n, k: l.k,
                                                qweight: q, weightScale: sw, inputScale: inputScale, smoothScale: divisors[l.path])
        out.parameters[l.path + "/weight"] = nil
    }
    try out.validateParameters(file: "quantize")
    let qNet = makeNetwork(out)
    for l in layers.quantize {
        let stored = out.quantized[l.path]!, w = model.parameters[l.path + "/weight"]!
        let deq = stored.dequantized()
        let bias = model.parameters[l.path + "/bias"]
        rows.append(LayerRow(layer: l.path, shape: [l.n, l.k], kept_float: false, scheme: stored.scheme.rawValue,
                             weight_sqnr_db: finite(sqnrDB(w.data, deq.data, w.count)),
                             output_sqnr_db: finite(outputSQNR(qNet.int8Layers[l.path]!, weight: w, bias: bias, inputs: raw.stats[l.path]?.rows ?? [])),
                             input_scale: stored.inputScale.map(Double.init),
                             smooth_range: stored.smoothScale.map { [Double($0.min()!), Double($0.max()!)] },
                             bytes_float: 4 * l.n * l.k, bytes_int8: stored.bytes))
    }
    for l in layers.keep {
        rows.append(LayerRow(layer: l.path, shape: [l.n, l.k], kept_float: true, scheme: "float32", weight_sqnr_db: nil,
                             output_sqnr_db: nil, input_scale: nil, smooth_range: nil, bytes_float: 4 * l.n * l.k, bytes_int8: 4 * l.n * l.k))
    }
    rows.sort { a, b in layers.order[a.layer]! < layers.order[b.layer]! }

    // Quality on the validation split: the metric before and after, and row-by-row agreement.
    let val = try data.split(.val)
    let ctx = floatNet.context
    let side = try compare(float: floatNet, quantized: qNet, split: val, context: ctx, maxBatches: config.val_batches)
    let agree = side.agreement
    let kindM = data.metricKind
    let before = (metric: side.metric(kindM, quantized: false), loss: side.floatLoss)
    let after = (metric: side.metric(kindM, quantized: true), loss: side.quantizedLoss)

    let details = QuantizeDetails(activations: config.activations, calibration: config.activations == "static" ? config.calibration : nil,
                                  calibration_samples: replay.samples, smoothquant: config.smoothquant.alpha, weight_bits: config.weight_bits,
                                  layers: rows, kept: layers.keep.map(\.path), agreement: agree,
                                  val_loss_before: before.loss, val_loss_after: after.loss,
                                  linear_bytes_float: rows.reduce(0) { $0 + $1.bytes_float },
                                  linear_bytes_after: rows.reduce(0) { $0 + $1.bytes_int8 })
    let configJSON = try JSONValue(encoding: config)
    let kind = data.metricKind.rawValue
    let metrics = JSONValue.object(["split": .string("val"), "metric": .string(kind), "metric_before": .number(before.metric),
                                    "metric_after": .number(after.metric), "loss_before": .number(before.loss),
                                    "loss_after": .number(after.loss), "top1_agreement": .number(agree.top1_agreement)])
    out.history = model.history + [HistoryRecord(stage: "quantize", config: configJSON, paramsBefore: model.parameterCount,
                                                 paramsAfter: out.parameterCount, metrics: metrics, seed: config.seed).json]
    var report = StageReport(stage: "quantize", paramsBefore: model.parameterCount, paramsAfter: out.parameterCount,
                             metricKind: data.metricKind, metricBefore: before.metric, metricAfter: after.metric,
                             wallSeconds: Date().timeIntervalSince(start), seed: config.seed, config: configJSON,
                             details: try JSONValue(encoding: details))
    guard config.latency else { return (out, report) }
    report.measureLatency(before: floatNet, after: qNet, batch: ctx > 0 ? 8 : 64, runs1: 9, runsN: 5, warmup1: 2)
    return (out, report)
}

/// JSON has no infinity: an exact layer reports nil SQNR.
private func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }

/// The linear layers to quantize and to keep in float, in canonical order. Every `keep` pattern must match.
private func selectLayers(_ model: ModelFile, keep: [String]) throws
    -> (quantize: [(path: String, n: Int, k: Int)], keep: [(path: String, n: Int, k: Int)], order: [String: Int]) {
    let all = model.linearLayers
    for p in keep where !all.contains(where: { globMatch(p, $0.path) }) {
        throw QuantizeError("--keep \"\(p)\" matches no linear layer; the layers are: \(all.map(\.path).joined(separator: ", "))")
    }
    let kept = all.filter { l in keep.contains { globMatch($0, l.path) } }
    let q = all.filter { l in !keep.contains { globMatch($0, l.path) } }
    guard !q.isEmpty else { throw QuantizeError("--keep matches every linear layer: nothing is left to quantize") }
    var order: [String: Int] = [:]
    for (i, l) in all.enumerated() { order[l.path] = i }
    return (q, kept, order)
}

/// Shell-style match of a whole layer path: `*` is any run of characters (including "/"), `?` one character.
func globMatch(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern), t = Array(text)
    var pi = 0, ti = 0, star = -1, mark = 0
    while ti < t.count {
        if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) { pi += 1; ti += 1 }
        else if pi < p.count && p[pi] == "*" { star = pi; mark = ti; pi += 1 }
        else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
        else { return false }
    }
    while pi < p.count && p[pi] == "*" { pi += 1 }
    return pi == p.count
}
