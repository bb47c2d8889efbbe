// Predict: `condense predict MODEL --input IN.h5 --output OUT.h5` writes the model's logits for user input.
import ArgumentParser
import CondenseCore
import Interop

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on an input file (dataset `input`) and write its logits (dataset `logits`).")

    @Argument(help: "A model: a Condense .h5, a Keras .keras archive or a legacy Keras .h5 (told apart by content).")
    var model: String

    @Option(help: "HDF5 file with dataset `input`: float32 (B, features) or integer (B, T) token ids.")
    var input: String

    @Option(help: "HDF5 file to write, with dataset `logits`: (B, classes) or (B, T, vocab).")
    var output: String

    func run() throws {
        try reportingErrors {
            try FolderLock.acquire(output: output)   // one writer per output, taken before the work starts
            let m = try ModelSource.read(model)
            let x = try ModelInput.read(input, for: m.architecture)
            let logits = x.logits(makeNetwork(m))
            try writeLogits(logits, to: output)
            emit("wrote \(output): logits \(logits.shape)")
        }
    }
}
