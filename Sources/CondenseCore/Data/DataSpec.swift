// DataSpec: which data a command or recipe reads: a named demo set, or a user's file or folder, and how to read it.
import Foundation

/// The formats a data path can hold; `DataFormat.detect` picks one from the content unless one is forced.
public enum DataFormat: String, Codable, CaseIterable, Sendable {
    /// A UTF-8 text file, a folder of them, or a folder with train.txt/val.txt/test.txt.
    case text
    /// nanoGPT's prepared folder: train.bin/val.bin (uint16 token ids) and meta.json (from tools/nanogpt_meta.py).
    case nanogpt
    /// HDF5 with `x` (N, F) and `y` (N), optionally x_val/y_val/x_test/y_test.
    case hdf5
    /// NumPy: an .npz with x/y (…) arrays, or a folder of x.npy/y.npy (…).
    case npy
    /// CSV with a header row and a label column.
    case csv
    /// An IDX image/label pair (MNIST-style), or a folder of train-/t10k- pairs.
    case idx
}

/// What to do with a character the model's vocabulary lacks.
public enum UnknownCharacters: String, Codable, CaseIterable, Sendable {
    case error, skip
}

/// A data request, as the CLI's data options and a recipe's `data` section give it.
public struct DataSpec: Codable, Equatable, Sendable {
    /// fashion-mnist or shakespeare (the demo sets), or "" when `path` is given.
    public var name = ""
    /// The demo set's folder; "" means its default location.
    public var directory = ""
    /// A user's data file or folder; "" means a named set.
    public var path = ""
    /// "" detects the format from the content; otherwise one of `DataFormat`.
    public var format = ""
    /// CSV: the label column's header.
    public var label = "label"
    /// Text: `error` (the default) or `skip` characters outside the model's vocabulary.
    public var unknown = "error"
    /// Fractions cut from data that has no given split, validation then test (train keeps the rest).
    public var val_fraction = 0.1
    public var test_fraction = 0.1

    public init(name: String = "", directory: String = "", path: String = "") {
        self.name = name; self.directory = directory; self.path = path
    }

    public static let names = ["fashion-mnist", "shakespeare"]

    /// Checks the values; errors name the key as `prefix` + field (e.g. "data.val_fraction" or "--val-fraction").
    public func validate(key: (String) -> String = { "data.\($0)" }, source: String = "data") throws {
        func need(_ ok: Bool, _ field: String, _ expected: String, _ found: Any) throws {
            if !ok { throw DataError(source, expected: "\(key(field)) \(expected)", found: "\(found)") }
        }
        try need(name.isEmpty || Self.names.contains(name), "name", "one of \(Self.names.joined(separator: ", ")) (or a path)", "\"\(name)\"")
        try need(name.isEmpty || path.isEmpty, "path", "either a name or a path, not both", "name \(name) and path \(path)")
        try need(format.isEmpty || DataFormat(rawValue: format) != nil, "format",
                 "one of \(DataFormat.allCases.map(\.rawValue).joined(separator: ", ")) (or empty: detected)", "\"\(format)\"")
        try need(UnknownCharacters(rawValue: unknown) != nil, "unknown", "error or skip", "\"\(unknown)\"")
        try need(val_fraction > 0 && val_fraction < 1, "val_fraction", "in (0, 1)", val_fraction)
        try need(test_fraction > 0 && test_fraction < 1, "test_fraction", "in (0, 1)", test_fraction)
        try need(val_fraction + test_fraction < 1, "val_fraction", "+ test_fraction < 1 (train keeps the rest)", val_fraction + test_fraction)
        try need(!label.isEmpty, "label", "a column name", "\"\"")
    }

    /// The data's name in reports: the demo set's name, else the path.
    public var displayName: String { path.isEmpty ? name : path }
}
