// OutputArguments: the output options shared by the stage commands (prune, distill, quantize): the model file to
// write, the stage report file, and the report as JSON on stdout.
import ArgumentParser

struct StageOutputArguments: ParsableArguments {
    @Option(name: .shortAndLong, help: "The stage's model file to write (atomically).")
    var output: String
    @Option(help: "Write the stage report as JSON here (prune and quantize also write it as Markdown beside it, .md).")
    var report: String?
    @Flag(help: "Print the report as JSON.")
    var json = false
}
