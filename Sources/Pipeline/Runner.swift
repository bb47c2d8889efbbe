// Runner: runs a recipe's stages in order, skipping unchanged ones by digest and resuming interrupted ones, then reports.
import CondenseCore
import Distill
import Foundation
import Interop
import Prune
import Quantize

public struct RunOptions {
    /// Redo every stage (and re-measure every model), even when its inputs and config are unchanged.
    public var force = false
    /// No progress lines.
    public var quiet = false
    /// Progress lines; stderr when nil.
    public var log: ((String) -> Void)?
    public init(force: Bool = false, quiet: Bool = false) { self.force = force; self.quiet = quiet }
}

/// The result of `runRecipe`.
public struct RunSummary {
    public var report: RunReport
    public var outcomes: [StageOutcome]
    public var reportJSON: String
    public var reportMarkdown: String
}

/// Runs a validated recipe: trains the teacher if it is missing, runs each stage into OUTPUT/NN-stage.h5 (skipped when
/// its input digest and resolved config are unchanged, continued from its checkpoint when it was interrupted), then
/// measures every model and writes report.json, report.md and the SVG plots. Inputs are never modified; every output
/// is written atomically.
public func runRecipe(_ recipe: Recipe, options: RunOptions = RunOptions()) throws -> RunSummary {
    let start = Date()
    let log: (String) -> Void = options.log ?? { s in if !options.quiet { FileHandle.standardError.write(Data((s + "\n").utf8)) } }
    let fm = FileManager.default
    let out = recipe.output
    try OwnedFolder.prepare(out, kind: "run-output", force: options.force)
    let resolved = out + "/recipe.resolved.yaml"
    try writeAtomically(to: resolved) { tmp in try Data(recipe.resolvedYAML.utf8).write(to: URL(fileURLWithPath: tmp)) }

    // The teachers: each trained from its config when the file is missing (resuming an interrupted training).
    let members = recipe.teachers.isEmpty ? (recipe.teacher.path.isEmpty ? [] : [TeacherSpec.member(recipe.teacher)]) : recipe.teachers
    for t in members where !fm.fileExists(atPath: t.path) {
        let cfg = try TrainConfig.load(path: t.config)
        let p = t.path
        let runDir = (p.hasSuffix(".h5") ? String(p.dropLast(3)) : p) + ".run"
        let parent = URL(fileURLWithPath: p).deletingLastPathComponent().path
        try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        log("teacher: \(p) is missing; training it from \(t.config) (run folder \(runDir))")
        let s = try trainModel(config: cfg, configFile: t.config, output: p, runDir: runDir,
                               resume: fm.fileExists(atPath: runDir + "/checkpoint.h5"), quiet: options.quiet, evaluateTest: false)
        log(String(format: "teacher: wrote %@ (%d parameters) in %.0f s", p, s.parameters, s.seconds))
    }

    let header = try ModelFile.readHeader(recipe.inputPath)
    let data = try TaskData.load(recipe.data, fit: try DataFit(header.architecture, vocabulary: header.vocabulary, model: recipe.inputPath))
    let provenance = try data.provenance()
    let dataSHA = FileDigest.hex(Data(provenance.json.description.utf8))
    // One teacher: its file's SHA-256; an ensemble: the SHA-256 of its members' digests, in order.
    let memberSHAs = try members.map { try FileDigest.file($0.path) }
    let teacherSHA = memberSHAs.isEmpty ? nil : memberSHAs.count == 1 ? memberSHAs[0] : FileDigest.hex(Data(memberSHAs.joined(separator: "\n").utf8))
    var teacherModels: [ModelFile]?
    var input = recipe.inputPath
    var outcomes: [StageOutcome] = []
    var reports: [StageReport] = []
    var files: [(name: String, path: String, stage: String?)] = []

    for (i, stage) in recipe.stages.enumerated() {
        let name = recipe.outputName(i)
        let modelPath = out + "/" + name + ".h5", recordPath = out + "/" + name + ".json", runDir = out + "/" + name + ".run"
        let tag = "[\(i + 1)/\(recipe.stages.count)] \(stage.kind.rawValue)"
        let key = StageKey(stage: stage.kind.rawValue, input: input, input_sha256: try FileDigest.file(input),
                           teacher_sha256: stage.kind == .distill ? teacherSHA : nil, data: recipe.data, data_sha256: dataSHA,
                           config: stage.config, tool_version: Condense.version)
        let old = StageRecord.read(recordPath)
        if let old, old.status == "done", old.key == key, let sha = old.output_sha256, fm.fileExists(atPath: modelPath),
           (try? FileDigest.file(modelPath)) == sha, let r = old.report {
            log("\(tag): inputs and config unchanged; skipped (\(modelPath))")
            outcomes.append(StageOutcome(stage: stage.kind.rawValue, file: modelPath, status: "skipped", seconds: 0))
            reports.append(r)
            files.append((name, modelPath, stage.kind.rawValue))
            input = modelPath
            continue
        }
        // An interrupted run of this very stage (same key) continues from its checkpoint; anything else starts over.
        let resuming = old?.status == "running" && old?.key == key && fm.fileExists(atPath: runDir)
        try OwnedFolder.claim(out, [name + ".run"])
        if !resuming { try OwnedFolder.remove(runDir) }
        try StageRecord(status: "running", key: key, output: modelPath).write(recordPath)
        log("\(tag): \(resuming ? "resuming" : "running") on \(input) → \(modelPath)")
        let t0 = Date()
        let model = try ModelSource.read(input)
        var result: ModelFile, report: StageReport
        switch stage {
        case .prune(let c):
            (result, report) = try prune(model, config: c, data: data)
        case .distill(let c):
            if teacherModels == nil { teacherModels = try members.map { try ModelSource.read($0.path) } }
            var run = DistillRunOptions(runDir: runDir, resume: true, quiet: options.quiet)
            run.log = options.quiet ? { _ in } : log
            (result, report) = try distill(student: model, teachers: teacherModels!, config: c, data: data, run: run)
        case .quantize(let c):
            (result, report) = try quantize(model, config: c, data: data)
        }
        result.recordData(provenance)
        report.attach(data: provenance)
        try result.write(to: modelPath)
        report.bytes_before = fileSize(input)
        report.bytes_after = fileSize(modelPath)
        try StageRecord(status: "done", key: key, output: modelPath, output_sha256: try FileDigest.file(modelPath), report: report)
            .write(recordPath)
        let secs = Date().timeIntervalSince(t0)
        log(String(format: "%@: wrote %@ (%d parameters, %@ %@ → %@ on val) in %.0f s", tag, modelPath, report.params_after,
                   report.metric_kind.rawValue, format(report.metric_before, kind: report.metric_kind),
                   format(report.metric_after, kind: report.metric_kind), secs))
        outcomes.append(StageOutcome(stage: stage.kind.rawValue, file: modelPath, status: resuming ? "resumed" : "ran", seconds: secs))
        reports.append(report)
        files.append((name, modelPath, stage.kind.rawValue))
        input = modelPath
    }

    // The report: every model measured the same way on the report split.
    log("report: measuring \(files.count + 1) models on the \(recipe.report.split) split")
    var models: [(name: String, path: String, stage: String?)] = []
    if !recipe.teacher.path.isEmpty { models.append(("teacher", recipe.teacher.path, nil)) }
    if !recipe.student.isEmpty { models.append(("student", recipe.student, nil)) }
    models += files
    let cache = MeasurementCache(path: out + "/measurements.json")
    let measurer = try Measurer(data: data, options: recipe.report)
    let rows = try models.map { m in try cache.measure(m.path, with: measurer) }
    var report = RunReport(recipe: recipe, names: models.map(\.name), stages: models.map(\.stage), measurements: rows,
                           stageReports: reports, outcomes: outcomes, wallSeconds: Date().timeIntervalSince(start))
    try cache.save()
    report.speculative = try runDrafts(models: models, measurements: rows, stageReports: reports, measurer: measurer,
                                       options: recipe.report, log: log)
    report.resolved_recipe = resolved
    report.data_provenance = provenance
    if !recipe.teacher.path.isEmpty {
        let p = recipe.teacher.path
        let runLog = (p.hasSuffix(".h5") ? String(p.dropLast(3)) : p) + ".run"
        report.teacher_curve = attachCurves(.object([:]), runDir: runLog, runs: [("curve", "")])["curve"]
    }
    let (json, md) = try report.write(to: out, plots: recipe.report.plots)
    log("report: wrote \(json) and \(md)")
    return RunSummary(report: report, outcomes: outcomes, reportJSON: json, reportMarkdown: md)
}

/// Curves from training runs' log.jsonl files (the teacher's: `runs` names the key and the sub-folder).
func attachCurves(_ details: JSONValue, runDir: String, runs: [(String, String)]) -> JSONValue {
    guard case .object(var d) = details else { return details }
    for (key, sub) in runs {
        guard let text = try? String(contentsOfFile: runDir + "/\(sub)log.jsonl", encoding: .utf8) else { continue }
        let points = text.split(separator: "\n").compactMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        d[key] = .array(points)
    }
    return .object(d)
}

func fileSize(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
}

/// A metric for a log line: accuracy as a percentage, loss in nats.
func format(_ v: Double?, kind: MetricKind) -> String {
    guard let v else { return "n/a" }
    return kind == .accuracy ? String(format: "%.2f %%", v * 100) : String(format: "%.4f", v)
}

/// GPT runs: every model smaller than the teacher (each stage's output, then the scratch baseline's student when the
/// distill stage trained one) measured as the teacher's speculative-decoding draft; nil when there is nothing to measure.
func runDrafts(models: [(name: String, path: String, stage: String?)], measurements: [Measurement], stageReports: [StageReport],
               measurer: Measurer, options: ReportOptions, log: (String) -> Void) throws -> [SpeculativeRow]? {
    guard options.speculative, options.generate_tokens > 0, let ref = measurements.first, models.count > 1,
          let arch = try? Architecture(json: ref.architecture, file: ref.file), case .gpt(let g) = arch,
          let prompt = try measurer.generationPrompt(blockSize: g.block_size) else { return nil }
    var drafts = zip(models, measurements).dropFirst().filter { $0.1.params < ref.params }.map { DraftSpec(name: $0.0.name, path: $0.0.path) }
    for r in stageReports {
        if case .string(let p)? = r.details["baseline"]?["model"], FileManager.default.fileExists(atPath: p) {
            drafts.append(DraftSpec(name: "scratch baseline", path: p))
        }
    }
    guard !drafts.isEmpty else { return nil }
    log("report: \(drafts.count) drafts of \(models[0].name) with speculative decoding (K = \(options.draft_tokens))")
    return try measureSpeculative(targetPath: models[0].path, drafts: drafts, prompt: prompt, tokens: options.generate_tokens,
                                  draftTokens: options.draft_tokens, rounds: min(options.latency_runs, 5))
}
