// Inspect: `condense inspect MODEL.h5` prints architecture, tensors, parameter count, size and history.
import ArgumentParser
import CondenseCore
import Foundation

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model file's architecture, tensors, parameter count, size on disk and history.")

    @Argument(help: "A Condense model file (.h5).")
    var model: String

    @Flag(help: "Print the same information as JSON.")
    var json = false

    @Flag(help: "Show a file whose weights hold NaN or infinity (every other command refuses it).")
    var allowNonfinite = false

    func run() throws {
        try reportingErrors {
            let report = try InspectReport(path: model, allowNonFinite: allowNonfinite)
            emit(json ? report.json : report.text)
        }
    }
}
