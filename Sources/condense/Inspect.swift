// Inspect: `condense inspect MODEL.h5` prints architecture, tensors, parameter count, size and history.
import ArgumentParser
import CondenseCore
import Foundation
import Interop

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model file's architecture, tensors, parameter count, size on disk and history.")

    @Argument(help: "A model: a Condense .h5, a Keras .keras archive or a legacy Keras .h5 (told apart by content).")
    var model: String

    @Flag(help: "Print the same information as JSON.")
    var json = false

    @Flag(help: "Show a file whose weights hold NaN or infinity (every other command refuses it).")
    var allowNonfinite = false

    func run() throws {
        try reportingErrors {
            let report = try ModelSource.detect(model) == .condense
                ? InspectReport(path: model, allowNonFinite: allowNonfinite)
                : InspectReport(header: try ModelSource.readHeader(model))
            emit(json ? report.json : report.text)
        }
    }
}
