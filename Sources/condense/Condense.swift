// condense: the command-line entry point; every subcommand is a thin shell over a library entry point.
import ArgumentParser
import CondenseCore
import Distributed
import Foundation

@main
struct CondenseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "condense",
        abstract: "Make trained neural networks small and fast: prune, distill, quantize.",
        version: Condense.version,
        subcommands: [Train.self, Eval.self, Predict.self, GenerateCommand.self, Inspect.self, Bench.self, DistillCommand.self, PruneCommand.self, QuantizeCommand.self, Run.self, Report.self, Export.self])
}

extension CondenseCommand {
    /// Parses and runs; a command-line error (a missing option, a value that does not parse) is one line on stderr
    /// and exit 1, like every other bad input. Help and --version still print and exit 0.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
            Launch.finish()
        } catch let e as ExitCode {
            Launch.finish()
            exit(withError: e)
        } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }
            let line = message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("condense: error: \(line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line)\n".utf8))
            Foundation.exit(1)
        }
    }
}

/// Runs a command body, turning any library error into one clear line on stderr and exit code 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch {
        // One line, whatever the message holds.
        let line = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
        if Launch.job != nil { Launch.fail(line, agreed: error is AgreedError) }
        FileHandle.standardError.write(Data("condense: error: \(line)\n".utf8))
        throw ExitCode(1)
    }
}

/// What the ranks of a job compare at its start: the binary, the command line, and the contents of its input files.
func jobDigests(files: [String]) -> [(name: String, digest: String)] {
    [("binary", Launch.binaryDigest), ("command line", Launch.argumentsDigest)] + files.map { ("file \($0)", Launch.fileDigest($0)) }
}

/// Prints to stdout without buffering surprises when mixed with stderr.
func emit(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}
