// RecipeRun+Stages: one recipe run's state and its stages: each skipped, resumed or run (data-parallel when it
// trains, else on rank 0 alone), its output and record written by rank 0.
import CondenseCore
import Distill
import Foundation
import Interop
import Prune
import Quantize

/// What a recipe run carries from stage to stage.
struct RecipeRun {
    let recipe: Recipe
    let options: RunOptions
    let log: (String) -> Void
    let members: [TeacherMember]
    let data: TaskData
    let provenance: DataProvenance
    let dataSHA: String
    let teacherSHA: String?
    var teacherModels: [ModelFile]?
    /// The next stage's input: the recipe's, then each stage's output.
    var input: String
    var outcomes: [StageOutcome] = []
    var reports: [StageReport] = []
    var files: [(name: String, path: String, stage: String?)] = []

    init(_ recipe: Recipe, members: [TeacherMember], options: RunOptions, log: @escaping (String) -> Void) throws {
        self.recipe = recipe; self.members = members; self.options = options; self.log = log
        input = recipe.inputPath
        let header = try ModelFile.readHeader(recipe.inputPath)
        data = try TaskData.load(recipe.data, fit: try DataFit(header.architecture, vocabulary: header.vocabulary, model: recipe.inputPath))
        provenance = try data.provenance()
        dataSHA = FileDigest.hex(Data(provenance.json.description.utf8))
        // One teacher: its file's SHA-256; an ensemble: the SHA-256 of its members' digests, in order.
        let memberSHAs = try members.map { try FileDigest.file($0.path) }
        teacherSHA = memberSHAs.isEmpty ? nil : memberSHAs.count == 1 ? memberSHAs[0] : FileDigest.hex(Data(memberSHAs.joined(separator: "\n").utf8))
    }

    /// What rank 0 decided for a stage from its record: skip it (done with the same key and an intact output),
    /// resume it (running with the same key), or run it afresh.
    enum Plan: Int { case run = 1, resume = 2, skip = 3 }

    /// Stage i: skipped, resumed or run; then its output becomes the next stage's input.
    mutating func stage(_ i: Int, _ stage: StageSpec) throws {
        let ranks = options.reducer
        let name = recipe.outputName(i), out = recipe.output
        let modelPath = out + "/" + name + ".h5", recordPath = out + "/" + name + ".json", runDir = out + "/" + name + ".run"
        let tag = "[\(i + 1)/\(recipe.stages.count)] \(stage.kind.rawValue)"
        let decided = try ranks.onWriter { try prepare(stage, tag: tag, name: name, modelPath: modelPath, recordPath: recordPath, runDir: runDir) }
        let plan = Plan(rawValue: try ranks.writersChoice(decided?.plan.rawValue ?? 0)) ?? .run
        defer { input = modelPath; files.append((name, modelPath, stage.kind.rawValue)) }
        if plan == .skip {
            if let r = decided?.skipped { reports.append(r) }
            outcomes.append(StageOutcome(stage: stage.kind.rawValue, file: modelPath, status: "skipped", seconds: 0))
            return
        }
        let t0 = Date()
        var trained: (ModelFile, StageReport)?
        if case .distill(let c) = stage { trained = try distillStage(c, runDir: runDir) }
        let done = try ranks.onWriter { () -> StageReport in
            var (result, report) = try trained ?? untrainedStage(stage)
            result.recordData(provenance)
            report.attach(data: provenance)
            try result.write(to: modelPath)
            report.bytes_before = fileSize(input)
            report.bytes_after = fileSize(modelPath)
            try StageRecord(status: "done", key: decided!.key!, output: modelPath, output_sha256: try FileDigest.file(modelPath), report: report)
                .write(recordPath)
            log(String(format: "%@: wrote %@ (%d parameters, %@ %@ → %@ on val) in %.0f s", tag, modelPath, report.params_after,
                       report.metric_kind.rawValue, format(report.metric_before, kind: report.metric_kind),
                       format(report.metric_after, kind: report.metric_kind), Date().timeIntervalSince(t0)))
            return report
        }
        if let done { reports.append(done) }
        outcomes.append(StageOutcome(stage: stage.kind.rawValue, file: modelPath, status: plan == .resume ? "resumed" : "ran",
                                     seconds: Date().timeIntervalSince(t0)))
    }

    /// Rank 0: the stage's key against its record; unless skipped, the run folder claimed (and cleared when not
    /// resuming) and the record marked running, before any rank reads the folder.
    private func prepare(_ stage: StageSpec, tag: String, name: String, modelPath: String, recordPath: String,
                         runDir: String) throws -> (plan: Plan, key: StageKey?, skipped: StageReport?) {
        let fm = FileManager.default
        let key = StageKey(stage: stage.kind.rawValue, input: input, input_sha256: try FileDigest.file(input),
                           teacher_sha256: stage.kind == .distill ? teacherSHA : nil, data: recipe.data, data_sha256: dataSHA,
                           config: stage.config, tool_version: Condense.version)
        let old = StageRecord.read(recordPath)
        if let old, old.status == "done", old.key == key, let sha = old.output_sha256, fm.fileExists(atPath: modelPath),
           (try? FileDigest.file(modelPath)) == sha, let r = old.report {
            log("\(tag): inputs and config unchanged; skipped (\(modelPath))")
            return (.skip, key, r)
        }
        // An interrupted run of this very stage (same key) continues from its checkpoint; anything else starts over.
        let resuming = old?.status == "running" && old?.key == key && fm.fileExists(atPath: runDir)
        try OwnedFolder.claim(recipe.output, [name + ".run"])
        if !resuming { try OwnedFolder.remove(runDir) }
        try StageRecord(status: "running", key: key, output: modelPath).write(recordPath)
        log("\(tag): \(resuming ? "resuming" : "running") on \(input) → \(modelPath)")
        return (resuming ? .resume : .run, key, nil)
    }

    /// The distill stage, data-parallel on every rank (each reads the input rank 0 wrote before the last barrier).
    private mutating func distillStage(_ c: DistillConfig, runDir: String) throws -> (ModelFile, StageReport) {
        let ranks = options.reducer
        let model = try ranks.together { () throws -> ModelFile in
            if teacherModels == nil { teacherModels = try members.map { try ModelSource.read($0.path) } }
            return try ModelSource.read(input)
        }
        var run = DistillRunOptions(runDir: runDir, resume: true, quiet: options.quiet)
        run.log = options.quiet ? { _ in } : log
        run.reducer = ranks
        return try distill(student: model, teachers: teacherModels!, config: c, data: data, run: run)
    }

    /// Prune and quantize, which do not train: one process, or rank 0 alone.
    private func untrainedStage(_ stage: StageSpec) throws -> (ModelFile, StageReport) {
        let model = try ModelSource.read(input)
        switch stage {
        case .prune(let c): return try prune(model, config: c, data: data)
        case .quantize(let c): return try quantize(model, config: c, data: data)
        case .distill: preconditionFailure("distill trains on every rank")
        }
    }
}
