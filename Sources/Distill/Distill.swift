// Distill: the stage's entry point: plan (checks, run folder, teacher), the method's search, the final run, the
// optional baseline, and the report with its typed DistillDetails.
import CondenseCore
import Foundation

/// Where and how a distillation runs (not part of the config a resume is checked against).
public struct DistillRunOptions {
    /// Folder for the search, the final run's checkpoint/log/best.h5 and the baseline; "" = a fresh temp folder.
    public var runDir = ""
    public var resume = false
    public var quiet = false
    /// Progress lines (candidate results); stderr when nil and not quiet.
    public var log: ((String) -> Void)?
    /// The ranks of a data-parallel run (one process by default): every rank trains its shard of each batch, the
    /// evaluations are sharded, and rank 0 alone writes the run folder and prints.
    public var reducer: GradientReducer = SingleProcess.shared
    /// mutual: the peers, already read (nil: read from `config.peers`).
    public var peers: [ModelFile]?
    public init(runDir: String = "", resume: Bool = false, quiet: Bool = false) {
        self.runDir = runDir; self.resume = resume; self.quiet = quiet
    }
}

extension DistillRunOptions {
    /// The run folder: `runDir`, or a fresh temporary folder when it is empty (a new one at each call).
    func resolvedFolder() -> String {
        runDir.isEmpty
            ? FileManager.default.temporaryDirectory.appendingPathComponent("condense-distill-\(getpid())-\(UUID().uuidString.prefix(8))").path
            : runDir
    }

    /// The progress log: `log`, else stderr unless quiet; rank 0 alone prints.
    var progressLog: (String) -> Void {
        let print = log ?? { [quiet] s in if !quiet { FileHandle.standardError.write(Data((s + "\n").utf8)) } }
        let writer = reducer.isWriter
        return { s in if writer { print(s) } }
    }
}

/// Distills `student` from `teacher` on `data` (one teacher: `distill(student:teachers:…)` with one member).
public func distill(student: ModelFile, teacher: ModelFile, config: DistillConfig, data: TaskData,
                    run: DistillRunOptions = DistillRunOptions()) throws -> (ModelFile, StageReport) {
    try distill(student: student, teachers: [teacher], config: config, data: data, run: run)
}

/// Distills `student` from the ensemble of `teachers` (weights `config.teacher_weights`, equal when empty) on
/// `data`, by `config.method`. No input is mutated. The returned model is the best of the final run by validation
/// metric, with a "distill" history record; the report's metrics are on the validation split and its details are a
/// `DistillDetails`.
public func distill(student: ModelFile, teachers: [ModelFile], config: DistillConfig, data: TaskData,
                    run: DistillRunOptions = DistillRunOptions()) throws -> (ModelFile, StageReport) {
    if !config.compare.isEmpty {
        return try distillCompare(student: student, teachers: teachers, config: config, data: data, run: run)
    }
    if config.method == .mutual {
        return try distillMutual(student: student, peers: run.peers ?? config.peers.map { try ModelFile.read($0) },
                                 config: config, data: data, run: run)
    }
    let start = Date()
    let biggest = teachers.max { $0.parameterCount < $1.parameterCount }
    if let t = biggest {
        var memory = student.architecture.distillMemory(teacher: t.architecture, batchSize: config.train.batch_size)
        memory.data = data.residentBytes
        memory.mapped = data.mappedBytes
        try memory.check("distilling at batch_size \(config.train.batch_size)") { FormatError(file: "distill", path: "train.batch_size", $0) }
    }
    let plan = try run.reducer.together { try DistillPlan(student: student, teachers: teachers, config: config, data: data, run: run) }
    let search = try plan.search()
    let (model, final) = try plan.final(search)
    let baseline = try plan.baseline()
    return try plan.report(model: model, search: search, final: final, baseline: baseline, wall: Date().timeIntervalSince(start))
}

/// Total optimizer steps of the budget: epochs × batches per epoch / grad_accum (images), else `steps`.
func totalSteps(_ o: TrainingOptions, data: TaskData) -> Int {
    if o.epochs > 0, case .classification(let train, _, _) = data { return max(1, o.epochs * (train.count / o.batch_size) / o.grad_accum) }
    return o.steps
}

/// Trains a copy of `student` by `method` with `candidate` on `teacher`, in `runDir`.
func trainStudent(copyOf student: ModelFile, data: TaskData, options: TrainingOptions, config: DistillConfig,
                  candidate: Candidate, teacher: Teacher, runDir: String, resolved: JSONValue, resume: Bool,
                  quiet: Bool, vocabulary: [String]? = nil, method: DistillMethod? = nil,
                  reducer: GradientReducer = SingleProcess.shared) throws -> Trainer.Result {
    let net = networkCopy(of: student)
    let setup = MethodSetup(config: config, data: data, teacher: teacher, student: net, options: options)
    let pieces = try (method ?? distillMethod(config.method)).makeRun(setup, candidate: candidate)
    let trainer = makeTrainer(net: net, pieces: pieces, data: data, options: options, seed: config.seed, runDir: runDir,
                              config: resolved, vocabulary: vocabulary, quiet: quiet, reducer: reducer)
    return try trainer.run(resume: resume)
}

/// A network over copies of `model`'s tensors, so that training it leaves the caller's model as it is.
func networkCopy(of model: ModelFile) -> Network {
    var params: [String: Tensor] = [:]
    for (k, v) in model.parameters { params[k] = v.copy() }
    return makeNetwork(ModelFile(architecture: model.architecture, vocabulary: model.vocabulary, parameters: params))
}

/// A Trainer for `net` with a method's pieces (objective, batches, extra parameters and their clip groups).
func makeTrainer(net: Network, pieces: MethodRun, data: TaskData, options: TrainingOptions, seed: UInt64, runDir: String,
                 config: JSONValue, vocabulary: [String]?, quiet: Bool, reducer: GradientReducer) -> Trainer {
    let trainer = Trainer(net: net, data: data, options: options, seed: seed, runDir: runDir, config: config)
    trainer.objective = pieces.objective
    trainer.batchSource = pieces.batches
    trainer.extraParameters = pieces.extra
    trainer.extraClipGroups = pieces.clipGroups
    trainer.vocabulary = vocabulary
    trainer.quiet = quiet
    trainer.reducer = reducer
    return trainer
}

/// Seconds per row (example or token) of the online teacher (one timed batch after a warm-up), to state what a
/// cache saves. The teacher's own usage counters are left as they were.
func timeOnlineTeacher(_ teacher: Teacher, data: TaskData, batch: Int, context: Int) -> Double? {
    let saved = (teacher.usage.seconds, teacher.usage.rowsServed)
    defer { (teacher.usage.seconds, teacher.usage.rowsServed) = saved }
    func time(_ input: NetworkInput) -> Double {
        _ = teacher.logits(for: input, temperature: 1)
        let t0 = Date()
        _ = teacher.logits(for: input, temperature: 1)
        return Date().timeIntervalSince(t0) / Double(input.rows)
    }
    switch data {
    case .classification(let train, _, _):
        guard train.count >= batch else { return nil }
        let x = Tensor(uninitialized: [batch, train.features])
        train.rows.copyRows(0, batch, to: x.data)
        return time(.features(x.data, batch: batch))
    case .text(let corpus):
        guard corpus.train.count >= batch * context else { return nil }
        return corpus.train.prefix(batch * context).withUnsafeBufferPointer { time(.tokens($0.baseAddress!, batch: batch, seq: context)) }
    }
}

/// The search's planned steps (as successiveHalving will spend them) and its longest rung.
func plannedSearch(_ candidates: [Candidate], eta: Int, budget: Int) -> (steps: Int, largestRung: Int) {
    let sizes = rungSizes(candidates.count, eta: eta)
    let b0 = rung0Steps(sizes, eta: eta, budget: budget)
    var steps = 0, b = b0
    for n in sizes { steps += n * b; b *= eta }
    return (steps, sizes.isEmpty ? 0 : b / eta)
}
