// condense: the command-line entry point; every subcommand is a thin shell over a library entry point.
import ArgumentParser
import CondenseCore
import Foundation

@main
struct CondenseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "condense",
        abstract: "Make trained neural networks small and fast: prune, distill, quantize.",
        version: Condense.version,
        subcommands: [Train.self, Eval.self, Predict.self, Generate.self, Inspect.self, Bench.self, DistillCommand.self, PruneCommand.self, QuantizeCommand.self, Run.self, Report.self, Export.self])
}

/// Runs a command body, turning any library error into one clear line on stderr and exit code 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch {
        FileHandle.standardError.write(Data("condense: error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Prints to stdout without buffering surprises when mixed with stderr.
func emit(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}
