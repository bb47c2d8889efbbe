// DataArguments: the data options every command that reads data shares: a demo set's name or a path, and how to read it.
import ArgumentParser
import CondenseCore
import Foundation

struct DataArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Data: fashion-mnist, shakespeare, or a path to your own (text file or folder, nanoGPT train.bin folder, HDF5, .npz or .npy folder, CSV, IDX).",
                               discussion: "Default: the demo set of the model's family, when it fits the model."))
    var data: String?
    @Option(help: "Folder of a named demo set (default: its standard location).")
    var dataDir = ""
    @Option(help: "Force the format of --data PATH: text, nanogpt, hdf5, npy, csv or idx (default: detected from the content).")
    var dataFormat: String?
    @Option(help: "CSV: the label column's header (default: label).")
    var label: String?
    @Option(help: "Text: error (default) or skip characters outside the model's vocabulary.")
    var unknown: String?
    @Option(help: "Fraction cut for validation from data without a val split (default 0.1).")
    var valFraction: Double?
    @Option(help: "Fraction cut for test from data without a test split (default 0.1).")
    var testFraction: Double?

    /// The request as a DataSpec; nil when no --data was given.
    var spec: DataSpec? {
        guard let data else { return nil }
        var s = DataSpec.names.contains(data) ? DataSpec(name: data, directory: dataDir) : DataSpec(path: data)
        if let dataFormat { s.format = dataFormat }
        if let label { s.label = label }
        if let unknown { s.unknown = unknown }
        if let valFraction { s.val_fraction = valFraction }
        if let testFraction { s.test_fraction = testFraction }
        return s
    }

    /// The data for the model at `path`: --data, else the demo set of its family.
    func load(for architecture: Architecture, vocabulary: [String]?, model path: String) throws -> TaskData {
        let fit = try DataFit(architecture, vocabulary: vocabulary, model: path)
        return try TaskData.load(spec ?? DataSpec(name: architecture.family == "gpt" ? "shakespeare" : "fashion-mnist", directory: dataDir), fit: fit)
    }

    /// As `load`, but without --data the demo set is used only when it is there and fits the model (features and
    /// classes, or vocab_size); otherwise nil, and the stage runs on the weights alone (or says what it needs data for).
    func loadIfFits(for architecture: Architecture, vocabulary: [String]?, model path: String) throws -> TaskData? {
        if spec != nil { return try load(for: architecture, vocabulary: vocabulary, model: path) }
        guard let demo = try? load(for: architecture, vocabulary: vocabulary, model: path),
              (try? demo.check(architecture, model: path)) != nil else { return nil }
        return demo
    }
}

/// The data's provenance for reports and histories (nil for no data).
func provenance(_ data: TaskData?) throws -> DataProvenance? { try data?.provenance() }
