// Run: `[mpirun -np N] condense run RECIPE.yaml [--output DIR] [--force]` runs a recipe end to end: a thin shell over
// Pipeline.runRecipeOnRanks.
import ArgumentParser
import CondenseCore
import Foundation
import Pipeline
import Distributed

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a recipe end to end (its pruning, distillation and INT8 stages), then write report.json, report.md and plots.",
        discussion: """
            Stages write OUTPUT/01-prune.h5, 02-distill.h5, 03-quantize.h5 (numbered by position). A re-run skips every \
            stage whose input digest and resolved options are unchanged, and continues an interrupted one from its checkpoint. \
            Under mpirun -np N, the stages that train (a missing teacher, distill) run data-parallel on every rank, and \
            prune, quantize and the report run on rank 0 alone while the others sleep; rank 0 alone writes (docs/SCALING.md).
            """)

    @Argument(help: "The recipe (YAML); see recipes/ and docs/RECIPES.md.")
    var recipe: String

    @Option(name: .shortAndLong, help: "Output folder (default: the recipe's output, else runs/RECIPE-NAME).")
    var output: String?

    @Flag(help: "Redo every stage and re-measure every model, even when nothing changed.")
    var force = false

    @Option(name: .customLong("set"), help: "Override one recipe value, e.g. --set distill.alpha=0.5 or --set seed=7 (repeatable).")
    var overrides: [String] = []

    @Flag(help: "Validate the recipe, print it resolved (every default filled in), and stop.")
    var dryRun = false

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func run() throws {
        try reportingErrors {
            let reducer = try Launch.start(digests: jobDigests(files: [recipe]))
            let r = try reducer.together { try Recipe.load(path: recipe, overrides: overrides, output: output) }
            if dryRun {
                guard reducer.isWriter else { return }
                emit(r.resolvedYAML)
                let limit = Double(SizeLimits.memoryLimit)
                if let (stage, m) = try r.estimatedPeakMemory() {
                    emit("# estimated peak memory: \(m.summary), at stage \(stage + 1) (\(r.stages[stage].kind.rawValue)); limit \(SizeLimits.size(limit))")
                } else {
                    emit("# estimated peak memory: unknown until the teacher exists (limit \(SizeLimits.size(limit)))")
                }
                return
            }
            var options = RunOptions(force: force, quiet: quiet)
            options.reducer = reducer
            // Under mpirun every rank runs the recipe; rank 0 alone gets the summary, and prints it.
            guard let s = try runRecipeOnRanks(r, options: options) else { return }
            emit(s.report.legend)
            emit(s.report.table)
            let counts = Dictionary(grouping: s.outcomes, by: \.status).mapValues(\.count)
            let done = ["ran", "resumed", "skipped"].compactMap { k in counts[k].map { "\($0) \(k)" } }.joined(separator: ", ")
            emit("stages: \(done.isEmpty ? "none" : done); wrote \(s.reportJSON), \(s.reportMarkdown)")
        }
    }
}
