// KerasImport: a Keras 3 .keras archive or a legacy Keras .h5 full-model file, read into a Condense MLP.
import CondenseCore
import Foundation
import HDF5

enum KerasImport {
    /// Caps on what an archive entry may inflate to: the layer graph is text, the weights are the model.
    static let configLimit = 64 << 20
    static let weightsLimit = 8 << 30

    /// A Keras 3 archive: config.json for the graph, model.weights.h5 (opened from memory) for the weights.
    static func readArchive(_ bytes: Data, file: String) throws -> ModelFile {
        let zip = try ZipArchiveReader(bytes: bytes, file: file)
        guard let config = try zip.read("config.json", limit: configLimit) else {
            throw FormatError(file: file, path: "config.json", "missing: a Keras archive holds config.json and model.weights.h5 (found \(zip.paths))")
        }
        let graph = try KerasGraph(json: String(decoding: config, as: UTF8.self), file: file, origin: "config.json")
        guard let weights = try zip.read("model.weights.h5", limit: weightsLimit) else {
            throw FormatError(file: file, path: "model.weights.h5", "missing: the archive has no weights file (found \(zip.paths))")
        }
        let h5: HDF5.File
        do { h5 = try HDF5.File(image: weights, name: file + ":model.weights.h5") } catch let e as HDF5Error {
            throw FormatError(file: file, path: "model.weights.h5", "corrupt weights file: \(e.message)")
        }
        let root = try h5.root
        return try build(graph, file: file, source: "keras") { d in
            let g = root.exists("layers/\(d.weightsKey)/vars") ? "layers/\(d.weightsKey)/vars" : "layers/\(d.name)/vars"
            return try tensors(root, group: g, names: ["0", "1"], layer: d, file: file)
        }
    }

    /// A legacy Keras full-model .h5: the `model_config` attribute and the `model_weights/LAYER/...` datasets.
    static func readLegacy(_ h5: HDF5.File, file: String) throws -> ModelFile {
        let text: String
        do { text = try h5.root.stringAttribute("model_config") } catch let e as HDF5Error {
            throw FormatError(file: file, path: "model_config", e.message)
        }
        let graph = try KerasGraph(json: text, file: file, origin: "model_config")
        let root = try h5.root
        guard root.kind(of: "model_weights") == .group else {
            throw FormatError(file: file, path: "model_weights", "missing group: a Keras full-model file keeps its weights there")
        }
        return try build(graph, file: file, source: "keras-h5") { d in
            let g = "model_weights/\(d.name)"
            guard root.kind(of: g) == .group else {
                throw FormatError(file: file, path: g, "missing the weights of Dense layer '\(d.name)'")
            }
            return try tensors(root, group: g, names: try legacyWeightNames(root.group(g), layer: d, file: file), layer: d, file: file)
        }
    }

    /// A legacy layer group's weights in Keras's own order (kernel, then bias), as Keras finds them: by the group's
    /// `weight_names` attribute (dataset paths inside the group), else by the datasets' leaf names.
    private static func legacyWeightNames(_ g: Group, layer d: KerasDense, file: String) throws -> [String] {
        if g.hasAttribute("weight_names") {
            let names: [String]
            do { names = try g.stringArrayAttribute("weight_names") } catch let e as HDF5Error {
                throw FormatError(file: file, path: g.path + ".weight_names", e.message)
            }
            let expected = d.useBias ? 2 : 1
            guard names.count == expected else {
                throw FormatError(file: file, path: g.path + ".weight_names", "expected \(expected) weights (kernel\(d.useBias ? ", bias" : "")) for Dense '\(d.name)', found \(names)")
            }
            return names + (d.useBias ? [] : ["bias"])
        }
        let paths = try g.allDatasetPaths()
        func find(_ leaf: String) -> String? {
            paths.first { $0.split(separator: "/").last.map { $0 == leaf || $0 == leaf + ":0" } ?? false }
        }
        return [find("kernel") ?? "kernel", find("bias") ?? "bias"]
    }

    /// Kernel (in, out) and bias (out) of one Dense layer from `group/names[0]` and `group/names[1]`.
    private static func tensors(_ root: Group, group: String, names: [String], layer d: KerasDense,
                                file: String) throws -> (kernel: [Float], shape: [Int], bias: [Float]?) {
        func read(_ name: String, what: String) throws -> ([Float], [Int]) {
            let p = group + "/" + name
            guard root.kind(of: p) == .dataset else {
                throw FormatError(file: file, path: p, "missing the \(what) of Dense layer '\(d.name)'")
            }
            let ds = try root.dataset(p)
            guard ds.dtype == .float32 else {
                throw FormatError(file: file, path: p, "expected float32 for the \(what) of '\(d.name)', found \(ds.dtype)")
            }
            do { return (try ds.read(as: Float.self), ds.shape) } catch let e as HDF5Error {
                throw FormatError(file: file, path: p, e.message)
            }
        }
        let (k, shape) = try read(names[0], what: "kernel")
        guard shape.count == 2, shape[1] == d.units else {
            throw FormatError(file: file, path: group + "/" + names[0], "expected a kernel of shape [in, \(d.units)] for Dense '\(d.name)', found \(shape)")
        }
        guard d.useBias else { return (k, shape, nil) }
        let (b, bshape) = try read(names[1], what: "bias")
        guard bshape == [d.units] else {
            throw FormatError(file: file, path: group + "/" + names[1], "expected a bias of shape [\(d.units)] for Dense '\(d.name)', found \(bshape)")
        }
        return (k, shape, b)
    }

    /// Maps the Dense stack onto `layers/{i}/weight` (out, in), the transpose of Keras's (in, out) kernel.
    private static func build(_ graph: KerasGraph, file: String, source: String,
                              weights: (KerasDense) throws -> (kernel: [Float], shape: [Int], bias: [Float]?)) throws -> ModelFile {
        var params: [String: Tensor] = [:]
        var widths: [Int] = []
        for (i, d) in graph.dense.enumerated() {
            let (k, shape, b) = try weights(d)
            let (nIn, nOut) = (shape[0], shape[1])
            if i == 0 {
                if let n = graph.inputs, n != nIn {
                    throw FormatError(file: file, path: d.name, "the kernel takes \(nIn) inputs but the model's input has \(n) features")
                }
                widths.append(nIn)
            } else if nIn != widths.last! {
                throw FormatError(file: file, path: d.name, "the kernel takes \(nIn) inputs but the layer before gives \(widths.last!)")
            }
            widths.append(nOut)
            let w = Tensor(uninitialized: [nOut, nIn])
            for r in 0..<nIn { for c in 0..<nOut { w.data[c * nIn + r] = k[r * nOut + c] } }
            params["layers/\(i)/weight"] = w
            params["layers/\(i)/bias"] = b.map { Tensor(shape: [nOut], values: $0) } ?? Tensor(zeros: [nOut])
        }
        let arch = Architecture.mlp(MLPConfig(inputs: widths[0], hidden: Array(widths.dropFirst().dropLast()),
                                              classes: widths.last!, activation: graph.activation, dropout: graph.dropout))
        try arch.validate(file: file)
        let record = HistoryRecord(stage: "import", config: .object(["source": .string(source), "file": .string(file),
                                                                    "keras_layers": .array(graph.dense.map { .string($0.name) })]),
                                   paramsAfter: arch.parameterCount)
        let model = ModelFile(architecture: arch, history: [record.json], parameters: params)
        try model.validateParameters(file: file)
        return model
    }
}
