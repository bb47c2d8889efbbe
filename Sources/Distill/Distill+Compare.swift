// Distill+Compare: `compare`: each listed method run on the same student, seed and budget, one after another in
// RUN/compare/NAME (a complete one is not redone, an unfinished one continues), the winner by validation metric out.
import CondenseCore
import Foundation

/// One compared method's outcome, kept in RUN/compare/NAME/result.json once it is complete; reused while `key`
/// (its config and the student's and teachers' digests) is unchanged.
struct CompareRecord: Codable {
    var key: JSONValue
    var entry: DistillComparison.Entry
    var report: StageReport
}

/// Runs every method of `config.compare` in turn and returns the winner's model (by validation metric; the test
/// split is never read) and its report, whose details carry the `comparison`.
func distillCompare(student: ModelFile, teachers: [ModelFile], config: DistillConfig, data: TaskData,
                    run: DistillRunOptions) throws -> (ModelFile, StageReport) {
    try config.validate()
    if run.reducer.size > 1 { try DistillPlan.checkRanks(config, run: run) }
    let dir = run.resolvedFolder()
    let log = run.progressLog
    try run.reducer.onWriter { try OwnedFolder.prepare(dir, kind: "distill-run", force: false, entries: ["compare"]) }
    var records: [CompareRecord] = []
    for name in config.compare {
        records.append(try compareOne(name, student: student, teachers: teachers, config: config, data: data, run: run,
                                      dir: dir + "/compare/" + name, log: log))
    }
    var best = 0
    for (i, r) in records.enumerated() where data.metricKind.isBetter(r.entry.val.metric, than: records[best].entry.val.metric) { best = i }
    let win = records[best]
    log(String(format: "compare: winner %@ (val %@ %.4f)", win.entry.method, data.metricKind.rawValue, win.entry.val.metric))
    var model = try ModelFile.read(win.entry.model)
    model.vocabulary = student.vocabulary
    var report = win.report
    var d = try DistillDetails(report: report)
    // "Before" is the given student's, whichever method won (scratch and mutual start from random init).
    let before = try evaluate(makeNetwork(student), on: try data.split(.val), splitName: "val", context: makeNetwork(student).context,
                              maxBatches: config.train.eval_batches, reducer: run.reducer)
    d.student_before = before
    report.metric_before = before.metric
    if let t = d.teacher?.val.metric {
        let gap = t - before.metric
        d.gap_recovered = abs(gap) > 1e-12 ? (d.student_after.metric - before.metric) / gap : nil
    }
    d.comparison = DistillComparison(metric_kind: data.metricKind, seen_unit: d.seen_unit, winner: win.entry.method,
                                     methods: records.map(\.entry))
    report.details = try JSONValue(encoding: d)
    if case .object(var c) = try JSONValue(encoding: config) {
        c["winner"] = .string(win.entry.method)
        report.config = .object(c)
    }
    report.wall_seconds = records.reduce(0) { $0 + $1.entry.seconds }
    return (model, report)
}

/// One method: its record when complete with the same key ("not redone"), else its run (continued from its folder
/// when one is there), its model written to NAME/model.h5 and then its record.
private func compareOne(_ name: String, student: ModelFile, teachers: [ModelFile], config: DistillConfig, data: TaskData,
                        run: DistillRunOptions, dir: String, log: (String) -> Void) throws -> CompareRecord {
    let c = try config.compareConfig(name)
    let key = JSONValue.object(["config": try JSONValue(encoding: c), "student": .string(modelDigest(student)),
                                "teachers": .array(teachers.map { .string(modelDigest($0)) })])
    let recordPath = dir + "/result.json"
    let fm = FileManager.default
    let old = try? JSONDecoder().decode(CompareRecord.self, from: Data(contentsOf: URL(fileURLWithPath: recordPath)))
    if let old, old.key == key, fm.fileExists(atPath: old.entry.model) {
        log(String(format: "compare: %@: complete (val %@ %.4f); not redone", name, data.metricKind.rawValue, old.entry.val.metric))
        return old
    }
    // A folder of another config (or student) is started over; an unfinished one of this config continues.
    let stale = old != nil || (fm.fileExists(atPath: dir + "/key.json") && (try? Data(contentsOf: URL(fileURLWithPath: dir + "/key.json"))) != Data(key.description.utf8))
    try run.reducer.together {
        guard run.reducer.isWriter else { return }
        if stale { try? fm.removeItem(atPath: dir) }
        try OwnedFolder.prepare(dir, kind: "distill-run", force: false, entries: ["key.json", "result.json", "model.h5"])
        try Data(key.description.utf8).write(to: URL(fileURLWithPath: dir + "/key.json"), options: .atomic)
    }
    log("compare: \(name): \(fm.fileExists(atPath: dir + "/final") ? "continuing" : "running") in \(dir)")
    var sub = run
    sub.runDir = dir
    sub.resume = true
    var input = student
    if name == "scratch" {
        input = makeNetwork(student.architecture, seed: config.seed).modelFile(vocabulary: student.vocabulary)
        input.history = student.history
    }
    // Without a teacher, finetune and scratch train on the task loss alone (a teacher-free comparison: mutual
    // learning against them); with one they run as soft distillation at α = 0, which also measures the teacher.
    let (model, report) = teachers.isEmpty && compareExtras.contains(name)
        ? try trainOnTaskLoss(student: input, config: c, data: data, run: sub)
        : try distill(student: input, teachers: teachers, config: c, data: data, run: sub)
    let d = try DistillDetails(report: report)
    let entry = DistillComparison.Entry(method: name, val: d.student_after, seen: d.seen,
                                        seconds: max(report.wall_seconds, d.search.seconds + d.final.seconds),
                                        curve: seenCurve(d), generation: d.generation, model: dir + "/model.h5",
                                        completed: ISO8601DateFormatter().string(from: Date()))
    let record = CompareRecord(key: key, entry: entry, report: report)
    try run.reducer.onWriter {
        try model.write(to: entry.model)
        try writeAtomically(to: recordPath) { tmp in try JSONEncoder().encode(record).write(to: URL(fileURLWithPath: tmp)) }
    }
    return record
}

/// The final run's validation points against examples or tokens seen: u = seen / (search + final steps) per step
/// (exact: the search and the final run draw batches of the same size, and a method without a search has none).
func seenCurve(_ d: DistillDetails) -> [DistillComparison.Point] {
    let steps = d.search.steps + d.final.steps
    guard steps > 0 else { return [] }
    let u = d.seen / steps
    return d.curve.compactMap { p in p.val_metric.map { .init(seen: (d.search.steps + p.step) * u, val_metric: $0) } }
}
