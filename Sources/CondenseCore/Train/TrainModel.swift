// TrainModel: the `train` entry point: config → data → fresh model → Trainer → best model written with history.
import Foundation

public struct TrainSummary: Codable {
    public var output: String
    public var architecture: JSONValue
    public var parameters: Int
    public var steps: Int
    public var seconds: Double
    public var seen: Int
    public var best_step: Int?
    public var val: EvalResult?
    public var test: EvalResult?
    public var curve: [CurvePoint]
}

/// Trains the model a config describes and writes the best checkpoint (by validation metric) to `output`.
/// `runDir` holds the checkpoint and log; `force` discards an earlier run there, `resume` continues it.
/// With a reducer of several ranks, every rank trains its shard of each batch and rank 0 alone writes (the run folder
/// and the output); the others return the same summary.
public func trainModel(config: TrainConfig, configFile: String, output: String, runDir: String? = nil,
                       resume: Bool = false, force: Bool = false, quiet: Bool = false,
                       evaluateTest: Bool = true, reducer: GradientReducer = SingleProcess.shared) throws -> TrainSummary {
    let dir = runDir ?? (output.hasSuffix(".h5") ? String(output.dropLast(3)) : output) + ".run"
    let (data, arch) = try reducer.together { () throws -> (TaskData, Architecture) in
        if reducer.isWriter { try FolderLock.acquire(output: output) }   // one writer per output, taken before the work starts
        let data = try TaskData.load(config.data.spec, fit: DataFit(family: config.model["family"]?.string, model: configFile))
        let arch = try config.architecture(features: data.features, classes: data.classes,
                                           vocabulary: data.vocabulary?.count, file: configFile)
        var memory = arch.trainingMemory(batchSize: config.train.batch_size)
        memory.data = config.data.spec.memoryEstimate(family: arch.family)
        memory.mapped = config.data.spec.mappedBytes(family: arch.family)
        try memory.check("training this \(arch.family) at batch_size \(config.train.batch_size)") {
            FormatError(file: configFile, path: "train.batch_size", $0)
        }
        if reducer.isWriter {
            try OwnedFolder.prepare(dir, kind: "train-run", force: force, entries: ["checkpoint.h5", "best.h5", "log.jsonl"])
        }
        return (data, arch)
    }
    let net = makeNetwork(arch, seed: config.seed)
    var resolved = try JSONValue(encoding: config)
    if case .object(var o) = resolved { o["model"] = (try? JSONDecoder().decode(JSONValue.self, from: Data(arch.json().utf8))) ?? .null; resolved = .object(o) }
    let trainer = Trainer(net: net, data: data, options: config.train, seed: config.seed, runDir: dir, config: resolved)
    trainer.vocabulary = data.vocabulary.map { v in v.scalars.map { String($0) } }
    trainer.quiet = quiet
    trainer.reducer = reducer
    let r = try trainer.run(resume: resume)

    // The output is the best model by validation metric, with this run's record appended to its history.
    var best = try ModelFile.read(trainer.bestPath)
    let bestNet = makeNetwork(best)
    let test = evaluateTest ? try evaluate(bestNet, on: try data.split(.test), splitName: "test", context: bestNet.context,
                                           reducer: reducer) : nil
    var metrics: [String: JSONValue] = ["steps": .number(Double(r.steps)), "seconds": .number(r.seconds),
                                        "seen": .number(Double(r.seen))]
    if let v = r.best { metrics["val"] = try JSONValue(encoding: v) }
    if let t = test { metrics["test"] = try JSONValue(encoding: t) }
    if let s = r.bestStep { metrics["best_step"] = .number(Double(s)) }
    best.history.append(HistoryRecord(stage: "train", config: resolved, paramsAfter: arch.parameterCount,
                                      metrics: .object(metrics), seed: config.seed).json)
    best.recordData(try data.provenance())
    if reducer.isWriter { try best.write(to: output) }
    return TrainSummary(output: output, architecture: (try? JSONDecoder().decode(JSONValue.self, from: Data(arch.json().utf8))) ?? .null,
                        parameters: arch.parameterCount, steps: r.steps, seconds: r.seconds, seen: r.seen,
                        best_step: r.bestStep, val: r.best, test: test, curve: r.curve)
}
