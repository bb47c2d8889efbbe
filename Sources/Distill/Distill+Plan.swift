// Distill+Plan: what a distillation run settles before it trains: the checks, the run folder, the teacher (online,
// an ensemble, or cached), the budget and the evaluations of the teacher and the student before.
import CondenseCore
import Foundation

struct DistillPlan {
    let student: ModelFile
    let teachers: [ModelFile]
    let config: DistillConfig
    let data: TaskData
    let run: DistillRunOptions
    let method: DistillMethod
    /// The sequence method's transfer set, as the report states it.
    let transfer: TransferSummary?
    let dir: String
    let log: (String) -> Void
    /// The teacher the methods see: one network, an ensemble, or either behind the cache.
    let teacher: Teacher
    /// The teachers' normalised weights.
    let weights: [Double]
    /// The per-row time of the online teacher, when the cache is used (to state what it saves).
    let onlineRowSeconds: Double?
    let total: Int
    let resolved: JSONValue
    let valSplit: EvalSplit
    let studentContext: Int
    let teacherVal: EvalResult
    let memberVals: [EvalResult]
    let before: EvalResult

    init(student: ModelFile, teachers: [ModelFile], config: DistillConfig, data: TaskData, run: DistillRunOptions) throws {
        try config.validate()
        try checkTeachers(teachers)
        for t in teachers { try checkPair(student: student, teacher: t, data: data) }
        try checkHidden(config, student: student, teachers: teachers)
        try checkOnPolicy(config, student: student, data: data)
        _ = try Self.generationOptions(config, student: student, teachers: teachers, data: data)
        self.student = student; self.teachers = teachers; self.config = config; self.data = data; self.run = run
        dir = run.resolvedFolder()
        log = run.progressLog
        if run.reducer.size > 1 { try Self.checkRanks(config, run: run) }
        if !run.resume, FileManager.default.fileExists(atPath: dir + "/sweep.json") || FileManager.default.fileExists(atPath: dir + "/final/checkpoint.h5") {
            throw FormatError(file: dir, "an earlier distillation run is here; pass --resume to continue it or --force to start over")
        }
        // On rank 0, while the others wait: so that a failure here is every rank's, before the collectives below.
        let folder = dir
        try run.reducer.onWriter {
            try OwnedFolder.prepare(folder, kind: "distill-run", force: false,
                                    entries: ["sweep.json", "search", "final", "baseline", "teacher-cache.h5", "transfer-set.h5"])
        }
        studentContext = makeNetwork(student).context
        total = totalSteps(config.train, data: data)
        resolved = try JSONValue(encoding: config)
        let online = try EnsembleTeacher(teachers.map { OnlineTeacher($0) },
                                         weights: config.teacher_weights.isEmpty ? nil : config.teacher_weights)
        let (served, perRow) = try Self.cacheOrOnline(online, config: config, data: data, dir: dir, context: studentContext,
                                                      total: total, log: log, reducer: run.reducer)
        teacher = served; onlineRowSeconds = perRow; weights = online.weights
        if config.method == .sequence {
            let (set, summary) = try TransferSet.prepare(config, teachers: teachers, scorer: online, student: student, data: data,
                                                         dir: dir, reducer: run.reducer)
            log("transfer set: \(summary.origin) \(summary.path) (\(set.count) sequences of \(set.length) tokens)")
            method = SequenceMethod(set: set); transfer = summary
        } else {
            method = distillMethod(config.method); transfer = nil
        }
        let val = try data.split(.val)
        valSplit = val
        let evalBatches = config.train.eval_batches
        memberVals = try teachers.count == 1 ? [] : teachers.map { t in
            let net = makeNetwork(t)
            return try evaluate(net, on: val, splitName: "val", context: net.context, maxBatches: evalBatches, reducer: run.reducer)
        }
        teacherVal = try evaluateTeacher(online, on: val, context: studentContext, maxBatches: evalBatches,
                                         single: teachers.count == 1 ? makeNetwork(teachers[0]) : nil, reducer: run.reducer)
        before = try evaluate(makeNetwork(student), on: valSplit, splitName: "val", context: studentContext, maxBatches: evalBatches,
                              reducer: run.reducer)
    }

    /// The online teacher, or the cache over it (built or reused) with the online per-row time. With several ranks,
    /// rank 0 builds the cache (or reads it) while the others wait, then the others read the file it wrote, and every
    /// rank checks that it read rank 0's bytes (SHA-256).
    static func cacheOrOnline(_ online: Teacher, config: DistillConfig, data: TaskData, dir: String, context: Int,
                              total: Int, log: (String) -> Void,
                              reducer: GradientReducer = SingleProcess.shared) throws -> (Teacher, Double?) {
        guard config.cache_teacher else { return (online, nil) }
        let path = config.cache_path.isEmpty ? dir + "/teacher-cache.h5" : config.cache_path
        // Text: the windows of the batches the search and the final run draw (both replay the same sampler).
        let search = plannedSearch(config.candidates, eta: config.search_eta, budget: Int(Double(total) * config.search_share))
        let topK = config.cacheTopK(outputs: online.outputs)
        let plan = CachedTeacher.Plan(topK: topK, batch: config.train.batch_size, context: context, seed: config.seed,
                                      textBatches: max(total - search.steps, search.largestRung, 1) * config.train.grad_accum)
        let built = try reducer.onWriter { try CachedTeacher.open(path: path, teacher: online, data: data, plan: plan) }
        let read = try reducer.together { reducer.isWriter ? nil : try CachedTeacher.open(path: path, teacher: online, data: data, plan: plan) }
        let cache = built ?? read!
        let sha = try reducer.together { try fileSHA256(path) }
        try reducer.sameOnEveryRank(sha, what: "the teacher cache \(path)")
        let perRow = timeOnlineTeacher(online, data: data, batch: config.train.batch_size, context: context)
        let what = topK.map { "top-\($0) log-probabilities" } ?? "full distributions"
        let ranks = reducer.size > 1 ? ", SHA-256 \(sha.prefix(16))… on all \(reducer.size) ranks" : ""
        log(cache.reused ? "teacher cache: reused \(path) (\(what)\(ranks))"
                         : String(format: "teacher cache: built %@ (%@%@) in %.1f s", path, what, ranks, cache.buildSeconds))
        return (cache, perRow)
    }

    /// What a data-parallel distillation needs: one run folder that every rank reads (rank 0 writes the checkpoints,
    /// the teacher cache and the transfer set there).
    static func checkRanks(_ config: DistillConfig, run: DistillRunOptions) throws {
        if run.runDir.isEmpty {
            throw ConfigError("distill", key: "run_dir", expected: "a run folder every rank can reach, with more than one rank", found: "none (a private temporary folder)")
        }
    }

    /// The training options of every run: the config's, with the total budget in steps.
    func options(steps: Int) -> TrainingOptions {
        var o = config.train
        o.steps = steps; o.epochs = 0
        return o
    }
}

/// The teacher's validation result: a single network's through `evaluate` (at its own context); an ensemble's from
/// its mixed distribution at T = 1 (cross-entropy and accuracy of the mixture) at the student's context, on the
/// same batches `evaluate` draws.
func evaluateTeacher(_ teacher: Teacher, on split: EvalSplit, context: Int, maxBatches: Int, single: Network?,
                     reducer: GradientReducer = SingleProcess.shared) throws -> EvalResult {
    if let net = single {
        return try evaluate(net, on: split, splitName: "val", context: net.context, maxBatches: maxBatches, reducer: reducer)
    }
    let saved = (teacher.usage.seconds, teacher.usage.rowsServed)
    defer { (teacher.usage.seconds, teacher.usage.rowsServed) = saved }
    return try evaluate(outputs: teacher.outputs, on: split, splitName: "val", context: context, maxBatches: maxBatches,
                        reducer: reducer) {
        teacher.logits(for: $0, temperature: 1)
    }
}
