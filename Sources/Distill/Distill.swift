// Distill: the stage's entry point: check, α/T search, the full distillation run via Trainer, optional baseline, report.
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
    public init(runDir: String = "", resume: Bool = false, quiet: Bool = false) {
        self.runDir = runDir; self.resume = resume; self.quiet = quiet
    }
}

/// Distills `student` from `teacher` on `data`. Neither input is mutated. The returned model is the best of the
/// final run by validation metric, with a "distill" history record; the report's metrics are on the validation split.
public func distill(student: ModelFile, teacher: ModelFile, config: DistillConfig, data: TaskData,
                    run: DistillRunOptions = DistillRunOptions()) throws -> (ModelFile, StageReport) {
    let start = Date()
    try config.validate()
    try checkPair(student: student, teacher: teacher, data: data)
    var memory = student.architecture.distillMemory(teacher: teacher.architecture, batchSize: config.train.batch_size)
    memory.data = data.residentBytes
    try memory.check("distilling at batch_size \(config.train.batch_size)") { FormatError(file: "distill", path: "train.batch_size", $0) }
    if config.hidden_loss != .none {
        guard case .gpt(let sc) = student.architecture, case .gpt(let tc) = teacher.architecture else {
            throw FormatError(file: "distill", path: "hidden_loss",
                              "the hidden-state loss is implemented for GPT students (block outputs); this is a \(student.architecture.family) model, so set hidden_loss: none")
        }
        _ = try hiddenPairs(config, student: sc, teacher: tc)
    }
    let dir = run.runDir.isEmpty
        ? FileManager.default.temporaryDirectory.appendingPathComponent("condense-distill-\(getpid())-\(UUID().uuidString.prefix(8))").path
        : run.runDir
    let log: (String) -> Void = run.log ?? { s in if !run.quiet { FileHandle.standardError.write(Data((s + "\n").utf8)) } }
    let sweepPath = dir + "/sweep.json"
    if !run.resume, FileManager.default.fileExists(atPath: sweepPath) || FileManager.default.fileExists(atPath: dir + "/final/checkpoint.h5") {
        throw FormatError(file: dir, "an earlier distillation run is here; pass --resume to continue it or --force to start over")
    }
    try OwnedFolder.prepare(dir, kind: "distill-run", force: false,
                            entries: ["sweep.json", "search", "final", "baseline", "teacher-cache.h5"])

    // The teacher: online, or from the cache.
    let teacherNet = makeNetwork(teacher)
    let source: TeacherSource
    var onlineRowSeconds: Double?
    let topK = config.cacheTopK(outputs: teacherNet.outputs)
    if config.cache_teacher {
        let path = config.cache_path.isEmpty ? dir + "/teacher-cache.h5" : config.cache_path
        // Text: the windows of the batches the search and the final run draw (both replay the same sampler).
        let total = totalSteps(config.train, data: data)
        let plan = plannedSearch(config.candidates, eta: config.search_eta, budget: Int(Double(total) * config.search_share))
        let textBatches = max(total - plan.steps, plan.largestRung, 1) * config.train.grad_accum
        let cache = try CachedTeacher.open(path: path, teacher: teacher, net: teacherNet, data: data, topK: topK,
                                           batch: config.train.batch_size, context: makeNetwork(student).context,
                                           seed: config.seed, textBatches: textBatches)
        onlineRowSeconds = timeOnlineTeacher(teacherNet, data: data, batch: config.train.batch_size,
                                             context: makeNetwork(student).context)
        let what = topK.map { "top-\($0) log-probabilities" } ?? "full distributions"
        log(cache.reused ? "teacher cache: reused \(path) (\(what))"
                         : String(format: "teacher cache: built %@ (%@) in %.1f s", path, what, cache.buildSeconds))
        source = cache
    } else {
        source = TeacherSource(net: teacherNet)
    }

    let valSplit = try data.split(.val)
    let evalBatches = config.train.eval_batches
    let teacherVal = try evaluate(teacherNet, on: valSplit, splitName: "val", context: teacherNet.context, maxBatches: evalBatches)
    let studentContext = makeNetwork(student).context
    let before = try evaluate(makeNetwork(student), on: valSplit, splitName: "val", context: studentContext, maxBatches: evalBatches)
    let total = totalSteps(config.train, data: data)
    let resolved = try JSONValue(encoding: config)

    // 1. The α/T search, within search_share of the budget.
    let candidates = config.candidates
    let done = (try? JSONDecoder().decode([SweepRow].self, from: Data(contentsOf: URL(fileURLWithPath: sweepPath)))) ?? []
    let searchBudget = Int(Double(total) * config.search_share)
    let search = try successiveHalving(
        candidates, eta: config.search_eta, budget: searchBudget, metric: data.metricKind, done: done,
        record: { rows in try JSONEncoder().encode(rows).write(to: URL(fileURLWithPath: sweepPath), options: .atomic) },
        train: { c, steps, rung in
            let t0 = Date()
            var o = config.train
            o.steps = steps; o.epochs = 0; o.eval_every = 0; o.checkpoint_every = 0; o.log_every = max(steps, 1)
            o.warmup_steps = min(o.warmup_steps, steps / 5)
            let runDir = dir + "/search/r\(rung)-a\(c.alpha)-t\(c.temperature)"
            try? FileManager.default.removeItem(atPath: runDir)
            let r = try trainStudent(copyOf: student, data: data, options: o, config: config, candidate: c, source: source,
                                     runDir: runDir, resolved: resolved, resume: false, quiet: true)
            try? FileManager.default.removeItem(atPath: runDir)
            let e = r.last!
            log(String(format: "search rung %d: α=%g T=%g, %d steps: val %@ %.4f (loss %.4f)", rung, c.alpha, c.temperature, steps,
                       data.metricKind.rawValue, e.metric, e.loss))
            return (e, Date().timeIntervalSince(t0))
        })
    let win = search.winner
    if !search.rows.isEmpty { log("search: chose α=\(win.alpha), T=\(win.temperature) (\(search.steps) steps)") }

    // 2. The full run with the winner, on the rest of the budget.
    var o = config.train
    o.steps = max(1, total - search.steps); o.epochs = 0
    var finalConfig = resolved
    if case .object(var m) = finalConfig { m["chosen"] = try JSONValue(encoding: win); finalConfig = .object(m) }
    let final = try trainStudent(copyOf: student, data: data, options: o, config: config, candidate: win, source: source,
                                 runDir: dir + "/final", resolved: finalConfig, resume: run.resume, quiet: run.quiet,
                                 vocabulary: student.vocabulary)
    var out = try ModelFile.read(dir + "/final/best.h5")
    out.vocabulary = student.vocabulary
    let after = try evaluate(makeNetwork(out), on: valSplit, splitName: "val", context: studentContext, maxBatches: evalBatches)

    // 3. The scratch baseline: same architecture, random init, task loss only (no augmentation), the same total budget.
    var baseline: JSONValue = .null
    if config.baseline == "scratch" {
        var plain = config
        plain.augment = false
        plain.hidden_loss = .none
        var bo = config.train
        bo.steps = total; bo.epochs = 0
        let fresh = makeNetwork(student.architecture, seed: config.seed).modelFile()
        let r = try trainStudent(copyOf: fresh, data: data, options: bo, config: plain, candidate: Candidate(alpha: 0, temperature: 1),
                                 source: source, runDir: dir + "/baseline", resolved: resolved, resume: run.resume,
                                 quiet: run.quiet, vocabulary: student.vocabulary)
        let bestNet = makeNetwork(try ModelFile.read(dir + "/baseline/best.h5"))
        let e = try evaluate(bestNet, on: valSplit, splitName: "val", context: studentContext, maxBatches: evalBatches)
        baseline = .object(["val": try JSONValue(encoding: e), "steps": .number(Double(r.steps)), "seen": .number(Double(r.seen)),
                            "seconds": .number(r.seconds), "model": .string(dir + "/baseline/best.h5")])
    }

    // 4. The report.
    let gap = teacherVal.metric - before.metric
    let recovered: JSONValue = abs(gap) > 1e-12 ? .number((after.metric - before.metric) / gap) : .null
    let unitsPerStep = data.metricKind == .accuracy ? config.train.batch_size : config.train.batch_size * studentContext
    let searchSeen = search.steps * config.train.grad_accum * unitsPerStep
    var details: [String: JSONValue] = [
        "teacher": .object(["val": try JSONValue(encoding: teacherVal), "params": .number(Double(teacher.parameterCount)),
                            "digest": .string(modelDigest(teacher))]),
        "student_before": try JSONValue(encoding: before),
        "student_after": try JSONValue(encoding: after),
        "gap_recovered": recovered,
        "chosen": .object(["alpha": .number(win.alpha), "temperature": .number(win.temperature)]),
        "sweep": try JSONValue(encoding: search.rows),
        "search": .object(["steps": .number(Double(search.steps)), "rung0_steps": .number(Double(search.rung0_steps)),
                           "seconds": .number(search.seconds), "candidates": .number(Double(candidates.count)),
                           "eta": .number(Double(config.search_eta))]),
        "final": .object(["steps": .number(Double(final.steps)), "best_step": final.bestStep.map { .number(Double($0)) } ?? .null,
                          "seconds": .number(final.seconds), "resumed": .bool(final.resumed)]),
        "total_steps": .number(Double(total)),
        "seen": .number(Double(searchSeen + final.seen)),
        "seen_unit": .string(data.metricKind == .accuracy ? "examples" : "tokens"),
        "teacher_seconds": .number(source.seconds),
        "baseline": baseline,
        "run_dir": .string(dir),
    ]
    if let cache = source as? CachedTeacher, let perRow = onlineRowSeconds {
        let online = Double(source.rowsServed) * perRow
        let spent = source.seconds + cache.buildSeconds
        details["cache"] = .object(["reused": .bool(cache.reused), "build_seconds": .number(cache.buildSeconds),
                                    "kind": .string(topK == nil ? "full" : "topk"), "top_k": topK.map { .number(Double($0)) } ?? .null,
                                    "rows_cached": .number(Double(cache.rowCount)),
                                    "lookup_seconds": .number(source.seconds), "misses": .number(Double(cache.misses)),
                                    "online_estimate_seconds": .number(online), "seconds_saved": .number(online - spent)])
    }
    if config.hidden_loss != .none, case .gpt(let sc) = student.architecture, case .gpt(let tc) = teacher.architecture {
        let pairs = try hiddenPairs(config, student: sc, teacher: tc)
        details["hidden"] = .object(["loss": .string(config.hidden_loss.rawValue), "weight": .number(config.hidden_weight),
                                     "map": .array(pairs.map { .array([.number(Double($0.student)), .number(Double($0.teacher))]) }),
                                     "projection": .bool(sc.n_embd != tc.n_embd)])
    }
    let wall = Date().timeIntervalSince(start)
    var metrics: [String: JSONValue] = ["val_before": .number(before.metric), "val_after": .number(after.metric),
                                        "teacher_val": .number(teacherVal.metric), "gap_recovered": recovered,
                                        "alpha": .number(win.alpha), "temperature": .number(win.temperature),
                                        "seen": details["seen"]!, "seconds": .number(wall)]
    if let b = baseline["val"]?["loss"], data.metricKind == .loss { metrics["baseline_val"] = b }
    if let b = baseline["val"]?["accuracy"], data.metricKind == .accuracy { metrics["baseline_val"] = b }
    out.history = student.history + [HistoryRecord(stage: "distill", config: finalConfig, paramsBefore: student.parameterCount,
                                                   paramsAfter: out.parameterCount, metrics: .object(metrics), seed: config.seed).json]
    let report = StageReport(stage: "distill", paramsBefore: student.parameterCount, paramsAfter: out.parameterCount,
                             metricKind: data.metricKind, metricBefore: before.metric, metricAfter: after.metric,
                             wallSeconds: wall, seed: config.seed, config: finalConfig, details: .object(details))
    return (out, report)
}

/// Total optimizer steps of the budget: epochs × batches per epoch / grad_accum (images), else `steps`.
func totalSteps(_ o: TrainingOptions, data: TaskData) -> Int {
    if o.epochs > 0, case .classification(let train, _, _) = data { return max(1, o.epochs * (train.count / o.batch_size) / o.grad_accum) }
    return o.steps
}

/// Trains a copy of `student` with the distillation objective for `candidate` (α = 0: the task loss alone).
func trainStudent(copyOf student: ModelFile, data: TaskData, options: TrainingOptions, config: DistillConfig,
                  candidate: Candidate, source: TeacherSource, runDir: String, resolved: JSONValue, resume: Bool,
                  quiet: Bool, vocabulary: [String]? = nil) throws -> Trainer.Result {
    var params: [String: Tensor] = [:]
    for (k, v) in student.parameters { params[k] = v.copy() }
    let net = makeNetwork(ModelFile(architecture: student.architecture, vocabulary: student.vocabulary, parameters: params))
    let trainer = Trainer(net: net, data: data, options: options, seed: config.seed, runDir: runDir, config: resolved)
    var matcher: HiddenMatcher?
    if config.hidden_loss != .none, let gpt = net as? GPT, case .gpt(let tc) = source.net.architecture {
        let m = try HiddenMatcher(config: config, student: gpt, teacher: tc)
        m.gradScale = 1 / Float(options.grad_accum)
        matcher = m
        if m.hasProjection {
            let side = runDir + "/hidden-proj.h5", total = totalSteps(options, data: data)
            if resume { try m.load(from: side, step: Checkpoint.step(at: trainer.checkpointPath)) }
            trainer.afterStep = { step in
                m.step(step, options: options, total: total)
                if (options.checkpoint_every > 0 && step % options.checkpoint_every == 0) || step == total {
                    try? m.save(to: side, step: step)
                }
            }
        }
    }
    let objective = DistillObjective(loss: DistillLoss(alpha: candidate.alpha, temperature: candidate.temperature,
                                                       divergence: config.divergence, beta: config.jsd_beta), teacher: source)
    objective.hidden = matcher
    if config.augment, case .classification = data {
        let aug = ImageAugmenter(seed: config.seed, shift: config.shift_pixels, mixupProb: config.mixup_prob)
        objective.augmenter = aug
        trainer.transformBatch = { b, step, micro in aug.apply(b, step: step, micro: micro) }
    }
    trainer.objective = objective
    trainer.vocabulary = vocabulary
    trainer.quiet = quiet
    return try trainer.run(resume: resume)
}

/// Seconds per row (example or token) of the online teacher (one timed batch after a warm-up), to state what a
/// cache saves.
func timeOnlineTeacher(_ net: Network, data: TaskData, batch: Int, context: Int) -> Double? {
    switch data {
    case .classification(let train, _, _):
        guard train.count >= batch else { return nil }
        _ = net.predict(.features(train.images.data, batch: batch))
        let t0 = Date()
        _ = net.predict(.features(train.images.data, batch: batch))
        return Date().timeIntervalSince(t0) / Double(batch)
    case .text(let corpus):
        guard corpus.train.count >= batch * context else { return nil }
        return corpus.train.prefix(batch * context).withUnsafeBufferPointer { ids in
            _ = net.predict(.tokens(ids.baseAddress!, batch: batch, seq: context))
            let t0 = Date()
            _ = net.predict(.tokens(ids.baseAddress!, batch: batch, seq: context))
            return Date().timeIntervalSince(t0) / Double(batch * context)
        }
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
