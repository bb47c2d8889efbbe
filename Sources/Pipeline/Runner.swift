// Runner: runs a recipe's stages in order, skipping unchanged ones by digest and resuming interrupted ones, then reports;
// under mpirun, what trains runs on every rank and the rest on rank 0 alone.
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
    /// The ranks of a data-parallel run (one process by default; `runRecipeOnRanks`).
    public var reducer: GradientReducer = SingleProcess.shared
    public init(force: Bool = false, quiet: Bool = false) { self.force = force; self.quiet = quiet }
}

/// The result of `runRecipe`.
public struct RunSummary {
    public var report: RunReport
    public var outcomes: [StageOutcome]
    public var reportJSON: String
    public var reportMarkdown: String
}

/// Runs a validated recipe in one process: trains the teacher if it is missing, runs each stage into
/// OUTPUT/NN-stage.h5 (skipped when its input digest and resolved config are unchanged, continued from its checkpoint
/// when it was interrupted), then measures every model and writes report.json, report.md and the SVG plots. Inputs
/// are never modified; every output is written atomically.
public func runRecipe(_ recipe: Recipe, options: RunOptions = RunOptions()) throws -> RunSummary {
    precondition(options.reducer.isWriter, "runRecipe returns the summary of rank 0; other ranks call runRecipeOnRanks")
    return try runRecipeOnRanks(recipe, options: options)!
}

/// `runRecipe` on the ranks of `options.reducer`. What trains (a missing teacher, the distill stage) runs
/// data-parallel on every rank; what does not (prune, quantize, the report's measurements and latencies) runs on
/// rank 0 alone while the other ranks sleep at a barrier (`onWriter`). Rank 0 alone writes files (outputs, stage
/// records, the report); the others read its stage outputs after that barrier. Returns the summary on rank 0, nil
/// on the other ranks.
public func runRecipeOnRanks(_ recipe: Recipe, options: RunOptions) throws -> RunSummary? {
    let start = Date()
    let ranks = options.reducer
    let say: (String) -> Void = options.log ?? { s in if !options.quiet { FileHandle.standardError.write(Data((s + "\n").utf8)) } }
    let log: (String) -> Void = { s in if ranks.isWriter { say(s) } }
    let out = recipe.output
    let resolved = out + "/recipe.resolved.yaml"
    try ranks.onWriter {
        try OwnedFolder.prepare(out, kind: "run-output", force: options.force)
        try writeAtomically(to: resolved) { tmp in try Data(recipe.resolvedYAML.utf8).write(to: URL(fileURLWithPath: tmp)) }
    }
    let members = recipe.teachers.isEmpty ? (recipe.teacher.path.isEmpty ? [] : [TeacherSpec.member(recipe.teacher)]) : recipe.teachers
    try trainMissingTeachers(members, options: options, log: log)
    var run = try ranks.together { try RecipeRun(recipe, members: members, options: options, log: log) }
    for (i, stage) in recipe.stages.enumerated() { try run.stage(i, stage) }
    return try ranks.onWriter { try run.writeReport(start: start, resolved: resolved) }
}

/// The teachers: each trained from its config when its file is missing (resuming an interrupted training), on every
/// rank; rank 0's view of the files decides.
func trainMissingTeachers(_ members: [TeacherMember], options: RunOptions, log: (String) -> Void) throws {
    let ranks = options.reducer, fm = FileManager.default
    for t in members {
        let p = t.path
        let runDir = (p.hasSuffix(".h5") ? String(p.dropLast(3)) : p) + ".run"
        let state = fm.fileExists(atPath: p) ? 0 : fm.fileExists(atPath: runDir + "/checkpoint.h5") ? 2 : 1
        let missing = try ranks.writersChoice(state)
        guard missing > 0 else { continue }
        let cfg = try ranks.together { try TrainConfig.load(path: t.config) }
        try ranks.onWriter {
            try fm.createDirectory(atPath: URL(fileURLWithPath: p).deletingLastPathComponent().path, withIntermediateDirectories: true)
            log("teacher: \(p) is missing; training it from \(t.config) (run folder \(runDir))")
        }
        let s = try trainModel(config: cfg, configFile: t.config, output: p, runDir: runDir, resume: missing == 2,
                               quiet: options.quiet, evaluateTest: false, reducer: ranks)
        // Rank 0 writes the teacher after the last step: the others read it only once it is complete.
        try ranks.onWriter { log(String(format: "teacher: wrote %@ (%d parameters) in %.0f s", p, s.parameters, s.seconds)) }
    }
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
