// Distill+Alone: a comparison's finetune or scratch entry when no teacher is given: the student trained on the task
// loss alone, on the plain batches, for the whole budget in RUN/final (no search), and its report.
import CondenseCore
import Foundation

/// Trains a copy of `student` (the pruned student for finetune, a seeded random init for scratch) with cross-entropy
/// for the budget of `config.train`; the output is its best by validation metric.
func trainOnTaskLoss(student: ModelFile, config: DistillConfig, data: TaskData,
                     run: DistillRunOptions) throws -> (ModelFile, StageReport) {
    let start = Date()
    try config.validate()
    try data.check(student.architecture, model: "student")
    let dir = try teacherFreeFolder(run)
    let val = try data.split(.val)
    let net = networkCopy(of: student)   // the caller's tensors stay as they are
    func eval(_ n: Network) throws -> EvalResult {
        try evaluate(n, on: val, splitName: "val", context: n.context, maxBatches: config.train.eval_batches, reducer: run.reducer)
    }
    let before = try eval(net)
    let (r, out) = try trainWholeBudget(net, pieces: MethodRun(objective: CrossEntropyObjective(), batches: nil, extra: nil),
                                        student: student, config: config, data: data, dir: dir, run: run)
    return try teacherFreeReport(student: student, model: out, before: before, after: try eval(makeNetwork(out)), final: r,
                                 mutual: nil, config: config, data: data, dir: dir, wall: Date().timeIntervalSince(start))
}

/// The run folder of a teacher-free run (RUN/final inside), prepared; an unfinished run there needs resume.
func teacherFreeFolder(_ run: DistillRunOptions) throws -> String {
    let dir = run.resolvedFolder()
    if !run.resume, FileManager.default.fileExists(atPath: dir + "/final/checkpoint.h5") {
        throw FormatError(file: dir, "an earlier distillation run is here; pass --resume to continue it or --force to start over")
    }
    try run.reducer.onWriter { try OwnedFolder.prepare(dir, kind: "distill-run", force: false, entries: ["final"]) }
    return dir
}

/// config.train with the whole budget as steps (a teacher-free run has no search to pay for).
func wholeBudget(_ config: DistillConfig, data: TaskData) -> TrainingOptions {
    var o = config.train
    o.steps = totalSteps(config.train, data: data); o.epochs = 0
    return o
}

/// Trains `net` with `pieces` for the whole budget in RUN/final; the Trainer's result and its best model.
func trainWholeBudget(_ net: Network, pieces: MethodRun, student: ModelFile, config: DistillConfig, data: TaskData,
                      dir: String, run: DistillRunOptions) throws -> (Trainer.Result, ModelFile) {
    let trainer = makeTrainer(net: net, pieces: pieces, data: data, options: wholeBudget(config, data: data), seed: config.seed,
                              runDir: dir + "/final", config: try JSONValue(encoding: config), vocabulary: student.vocabulary,
                              quiet: run.quiet, reducer: run.reducer)
    let r = try trainer.run(resume: run.resume)
    var out = try ModelFile.read(trainer.bestPath)
    out.vocabulary = student.vocabulary
    return (r, out)
}
