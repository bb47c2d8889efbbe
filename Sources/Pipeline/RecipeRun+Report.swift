// RecipeRun+Report: the run's report: every model measured the same way on the report split (rank 0 alone).
import CondenseCore
import Foundation

extension RecipeRun {
    /// Measures the teacher, the student and every stage's output, then writes report.json, report.md and the plots.
    func writeReport(start: Date, resolved: String) throws -> RunSummary {
        let out = recipe.output
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
}
