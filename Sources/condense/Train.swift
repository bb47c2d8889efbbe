// Train: `condense train CONFIG.yaml -o MODEL.h5` trains a model (a teacher) from a config of overrides.
import ArgumentParser
import CondenseCore
import Distributed
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model from a YAML config; the output is the best checkpoint by validation metric.")

    @Argument(help: "Training config (YAML); see recipes/teachers/ and docs/RECIPES.md.")
    var config: String

    @Option(name: .shortAndLong, help: "Model file to write.")
    var output: String

    @OptionGroup(title: "Run folder")
    var runFolder: RunFolderArguments

    @Option(help: "Train one model per seed, comma-separated (e.g. 1,2,3): OUTPUT.h5 becomes OUTPUT-seed1.h5, … each with its own run folder OUTPUT-seed1.run (or RUN_DIR/seed1).")
    var seeds: String?

    @Option(name: .customLong("set"), help: "Override one config value, e.g. --set train.steps=100 (repeatable).")
    var overrides: [String] = []

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let reducer = try Launch.start(digests: jobDigests(files: [config]))
            let (cfg, seeds) = try reducer.together { (try TrainConfig.load(path: config, overrides: overrides), try seedList()) }
            guard let list = seeds else {
                let s = try trainModel(config: cfg, configFile: config, output: output, runDir: runFolder.runDir,
                                       resume: runFolder.resume, force: runFolder.force, reducer: reducer)
                guard reducer.isWriter else { return }
                if json { emit(((try? JSONValue(encoding: s)) ?? .null).jsonString(pretty: true)); return }
                summarize(s)
                return
            }
            var all: [TrainSummary] = []
            for seed in list {
                var c = cfg
                c.seed = seed
                let stem = output.hasSuffix(".h5") ? String(output.dropLast(3)) : output
                let s = try trainModel(config: c, configFile: config, output: stem + "-seed\(seed).h5",
                                       runDir: runFolder.runDir.map { $0 + "/seed\(seed)" }, resume: runFolder.resume,
                                       force: runFolder.force, reducer: reducer)
                if !json && reducer.isWriter { summarize(s) }
                all.append(s)
            }
            if json && reducer.isWriter { emit(((try? JSONValue(encoding: all)) ?? .null).jsonString(pretty: true)) }
        }
    }
}

extension Train {
    /// The --seeds list: distinct non-negative integers, or nil without the option.
    func seedList() throws -> [UInt64]? {
        guard let seeds else { return nil }
        let v = seeds.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.allSatisfy({ $0 != nil }), Set(v).count == v.count else {
            throw ValidationError("train: --seeds: expected distinct non-negative integers, comma-separated (e.g. 1,2,3), found \"\(seeds)\"")
        }
        return v.map { $0! }
    }

    func summarize(_ s: TrainSummary) {
        emit("wrote \(s.output): \(s.parameters.formatted(grouping: true)) parameters, \(s.steps) steps in \(String(format: "%.1f", s.seconds)) s")
        if let v = s.val { emit("  best val (step \(s.best_step ?? 0)): \(describe(v))") }
        if let t = s.test { emit("  test: \(describe(t))") }
    }
}

func describe(_ e: EvalResult) -> String {
    if let a = e.accuracy { return String(format: "accuracy %.4f, loss %.4f (%d examples)", a, e.loss, e.count) }
    return String(format: "loss %.4f nats, perplexity %.3f (%d tokens)", e.loss, e.perplexity ?? 0, e.count)
}
