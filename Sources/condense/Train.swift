// Train: `condense train CONFIG.yaml -o MODEL.h5` trains a model (a teacher) from a config of overrides.
import ArgumentParser
import CondenseCore
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model from a YAML config; the output is the best checkpoint by validation metric.")

    @Argument(help: "Training config (YAML); see recipes/teachers/ and docs/RECIPES.md.")
    var config: String

    @Option(name: .shortAndLong, help: "Model file to write.")
    var output: String

    @Option(help: "Folder for the checkpoint and log (default: OUTPUT without .h5, plus .run).")
    var runDir: String?

    @Flag(help: "Continue the run from its last checkpoint.")
    var resume = false

    @Flag(help: "Discard an earlier run in the run folder and start over.")
    var force = false

    @Option(name: .customLong("set"), help: "Override one config value, e.g. --set train.steps=100 (repeatable).")
    var overrides: [String] = []

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let cfg = try TrainConfig.load(path: config, overrides: overrides)
            let s = try trainModel(config: cfg, configFile: config, output: output, runDir: runDir, resume: resume, force: force)
            if json { emit(((try? JSONValue(encoding: s)) ?? .null).jsonString(pretty: true)); return }
            emit("wrote \(s.output): \(s.parameters.formatted(grouping: true)) parameters, \(s.steps) steps in \(String(format: "%.1f", s.seconds)) s")
            if let v = s.val { emit("  best val (step \(s.best_step ?? 0)): \(describe(v))") }
            if let t = s.test { emit("  test: \(describe(t))") }
        }
    }
}

func describe(_ e: EvalResult) -> String {
    if let a = e.accuracy { return String(format: "accuracy %.4f, loss %.4f (%d examples)", a, e.loss, e.count) }
    return String(format: "loss %.4f nats, perplexity %.3f (%d tokens)", e.loss, e.perplexity ?? 0, e.count)
}
