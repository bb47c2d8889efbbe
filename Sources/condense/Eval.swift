// Eval: `condense eval MODEL --data NAME [--split val|test]` reports accuracy, or loss and perplexity, with throughput.
import ArgumentParser
import CondenseCore
import Foundation
import Interop

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate a model on a data set split.")

    @Argument(help: "A model: a Condense .h5, a Keras .keras archive or a legacy Keras .h5 (told apart by content).")
    var model: String

    @OptionGroup(title: "Data")
    var data: DataArguments

    @Option(help: "Split: train, val or test.")
    var split: String = "val"

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            guard let s = DataSplit(rawValue: split) else {
                throw ValidationError("unknown split \"\(split)\"; expected train, val or test")
            }
            let m = try ModelSource.read(model)
            let task = try data.load(for: m.architecture, vocabulary: m.vocabulary, model: model)
            try task.check(m.architecture, model: model)
            let net = makeNetwork(m)
            let r = try evaluate(net, on: try task.split(s), splitName: split, context: net.context)
            guard r.loss.isFinite else {
                throw FormatError(file: model, "the \(split) loss is \(r.loss): the model's outputs are not finite on \(task.name)")
            }
            if json {
                var o = (try? JSONValue(encoding: r)) ?? .null
                if case .object(var d) = o { d["data"] = try task.provenance().json; o = .object(d) }
                emit(o.jsonString(pretty: true))
                return
            }
            emit("\(model) on \(task.name) \(split): \(describe(r))")
            emit(String(format: "  %.0f %@/s (%.2f s)", r.throughput, r.metric_kind == .accuracy ? "examples" : "tokens", r.seconds))
        }
    }
}
