// KerasExport: an MLP as a Keras 3 .keras archive (config.json, metadata.json, model.weights.h5), built in memory.
import CondenseCore
import Foundation
import HDF5
import ZIPFoundation

enum KerasExport {
    /// The archive bytes. Kernels are written (in, out), the transpose of Condense's (out, in) weights.
    static func archive(_ model: ModelFile, file: String) throws -> Data {
        guard case .mlp(let c) = model.architecture else {
            throw FormatError(file: file, "--to keras holds MLPs only (Dense stacks); this model is a \(model.architecture.family): export it with --to onnx or --to hf")
        }
        let params = model.floatParameters
        let h5 = try HDF5.File.createInMemory(name: file + ":model.weights.h5")
        let root = try h5.root
        _ = try root.createGroup("vars")
        let layers = try root.createGroup("layers")
        let widths = c.widths
        for i in 0..<(widths.count - 1) {
            if c.dropout > 0, i < widths.count - 2 { _ = try layers.createGroup(key(i, "dropout")).createGroup("vars") }
            let g = try layers.createGroup(key(i)).createGroup("vars")
            let w = params["layers/\(i)/weight"]!
            _ = try g.createDataset("0", shape: [widths[i], widths[i + 1]], values: transposed(w.array, rows: widths[i + 1], cols: widths[i]))
            _ = try g.createDataset("1", shape: [widths[i + 1]], values: params["layers/\(i)/bias"]!.array)
        }
        let weights = Data(try h5.image())
        let entries: [(String, Data)] = [("metadata.json", Data(metadata().utf8)), ("config.json", Data(config(c).utf8)),
                                         ("model.weights.h5", weights)]
        let zip: Archive
        do { zip = try Archive(accessMode: .create) } catch { throw FormatError(file: file, "cannot create the zip archive in memory: \(error)") }
        for (name, bytes) in entries {
            do {
                try zip.addEntry(with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .none) { pos, size in
                    bytes.subdata(in: Int(pos)..<(Int(pos) + size))
                }
            } catch { throw FormatError(file: file, path: name, "cannot add the entry to the archive: \(error)") }
        }
        guard let data = zip.data else { throw FormatError(file: file, "the in-memory archive holds no data") }
        return data
    }

    /// Keras 3 names a Sequential's weight groups by class, numbered by occurrence: dense, dense_1, …
    static func key(_ i: Int, _ base: String = "dense") -> String { i == 0 ? base : "\(base)_\(i)" }

    static func metadata() -> String {
        JSONValue.object(["keras_version": .string("3.0.0"), "date_saved": .string(ISO8601DateFormatter().string(from: Date())),
                          "producer": .string("condense \(Condense.version)")]).description
    }

    /// A Sequential of InputLayer and Dense layers (the last one linear: it gives logits), with a Dropout after
    /// each hidden Dense when the model trains with dropout (inference ignores it; it keeps the rate on a round trip).
    static func config(_ c: MLPConfig) -> String {
        let widths = c.widths
        var layers: [JSONValue] = [.object(["module": .string("keras.layers"), "class_name": .string("InputLayer"), "registered_name": .null,
                                            "config": .object(["batch_shape": .array([.null, .number(Double(c.inputs))]),
                                                               "dtype": .string("float32"), "sparse": .bool(false), "name": .string("input_layer")])])]
        for i in 0..<(widths.count - 1) {
            let act = i < widths.count - 2 ? c.activation.rawValue : "linear"
            layers.append(.object(["module": .string("keras.layers"), "class_name": .string("Dense"), "registered_name": .null,
                                   "build_config": .object(["input_shape": .array([.null, .number(Double(widths[i]))])]),
                                   "config": .object(["name": .string(key(i)), "trainable": .bool(true), "dtype": .string("float32"),
                                                      "units": .number(Double(widths[i + 1])), "activation": .string(act), "use_bias": .bool(true)])]))
            if c.dropout > 0, i < widths.count - 2 {
                layers.append(.object(["module": .string("keras.layers"), "class_name": .string("Dropout"), "registered_name": .null,
                                       "config": .object(["name": .string(key(i, "dropout")), "trainable": .bool(true), "dtype": .string("float32"),
                                                          "rate": .number(Double(c.dropout))])]))
            }
        }
        return JSONValue.object(["module": .string("keras"), "class_name": .string("Sequential"), "registered_name": .null,
                                 "config": .object(["name": .string("condense_mlp"), "trainable": .bool(true), "dtype": .string("float32"),
                                                    "layers": .array(layers)]),
                                 "build_config": .object(["input_shape": .array([.null, .number(Double(c.inputs))])])]).description
    }
}
