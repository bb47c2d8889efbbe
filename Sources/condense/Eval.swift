// Eval: `condense eval MODEL --data NAME [--split val|test]` reports accuracy, or loss and perplexity, with throughput.
import ArgumentParser
import CondenseCore
import Foundation
import Interop

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate a model on a data set split.")

    @Argument(help: "A model: a Condense .h5, a Keras .keras archive or a legacy Keras .h5 (told apart by content).")
    var model: String

    @Option(help: "Data set: fashion-mnist or shakespeare.")
    var data: String

    @Option(help: "Split: train, val or test.")
    var split: String = "val"

    @Option(help: "Data folder (default: the standard location).")
    var dataDir: String = ""

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            guard let s = DataSplit(rawValue: split) else {
                throw ValidationError("unknown split \"\(split)\"; expected train, val or test")
            }
            let m = try ModelSource.read(model)
            let task = try TaskData.load(data, directory: dataDir)
            try task.check(m.architecture, model: model)
            let net = makeNetwork(m)
            let r = try evaluate(net, on: try task.split(s), splitName: split, context: net.context)
            if json { emit(((try? JSONValue(encoding: r)) ?? .null).jsonString(pretty: true)); return }
            emit("\(model) on \(data) \(split): \(describe(r))")
            emit(String(format: "  %.0f %@/s (%.2f s)", r.throughput, r.metric_kind == .accuracy ? "examples" : "tokens", r.seconds))
        }
    }
}
