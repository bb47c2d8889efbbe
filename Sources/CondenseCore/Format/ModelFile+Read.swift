// ModelFile+Read: opens a model file read-only, validates everything before allocating, then loads it.
import Foundation
import HDF5

/// What `inspect` shows about one dataset in a model file.
public struct DatasetInfo: Codable, Equatable {
    public let path: String
    public let shape: [Int]
    public let dtype: String
    public let bytes: Int
    /// For a tied alias: the canonical path whose array it is.
    public let tiedTo: String?
}

/// A model file's metadata, validated against its architecture, without the parameter data.
public struct ModelHeader {
    public let file: String
    public let fileBytes: Int
    public let architecture: Architecture
    public let vocabulary: [String]?
    public let history: [JSONValue]
    public let datasets: [DatasetInfo]
    /// Quantized linear layers and their schemes, by layer path (empty for a float model).
    public var quantization: [String: QuantizedLinear.Scheme] = [:]
    public var parameterCount: Int { architecture.parameterCount }
}

extension ModelFile {
    /// Reads and validates the header: format tag and version, architecture, vocabulary, history, and every
    /// expected dataset's presence, shape, dtype and stored size against the file's own size.
    public static func readHeader(_ path: String) throws -> ModelHeader {
        let file = try HDF5.File(openReadOnly: path)
        return try readHeader(file)
    }

    static func readHeader(_ file: HDF5.File) throws -> ModelHeader {
        let path = file.path
        let root = try file.root
        guard root.hasAttribute("condense_format") else {
            throw FormatError(file: path, path: "condense_format",
                              "missing root attribute: not a Condense model file (expected condense_format = \"\(Condense.formatTag)\"; see docs/FORMAT.md for the h5py export recipe)")
        }
        let tag = try root.stringAttribute("condense_format")
        guard tag == Condense.formatTag else {
            throw FormatError(file: path, path: "condense_format", "expected \"\(Condense.formatTag)\", found \"\(tag)\"")
        }
        let version = try root.intAttribute("condense_version")
        guard version == Condense.formatVersion else {
            throw FormatError(file: path, path: "condense_version",
                              "expected \(Condense.formatVersion), found \(version) (this build reads format version \(Condense.formatVersion) only)")
        }
        guard root.hasAttribute("architecture") else {
            throw FormatError(file: path, path: "architecture", "missing root attribute (a JSON object naming the family and its fields)")
        }
        let arch = try Architecture(json: try root.stringAttribute("architecture"), file: path)
        let vocabulary = try readVocabulary(root, arch: arch, file: path)
        var history: [JSONValue] = []
        if root.hasAttribute("history") {
            let text = try root.stringAttribute("history")
            guard let h = try? JSONDecoder().decode([JSONValue].self, from: Data(text.utf8)) else {
                throw FormatError(file: path, path: "history", "malformed history: expected a JSON array of records")
            }
            history = h
        }

        var infos: [DatasetInfo] = []
        var quant: [String: QuantizedLinear.Scheme] = [:]
        for spec in arch.parameterSpecs {
            if let scheme = try quantScheme(root, spec: spec, file: path) {
                let layer = String(spec.path.dropLast("/weight".count))
                quant[layer] = scheme
                infos += try quantizedInfos(root, layer: layer, n: spec.shape[0], k: spec.shape[1], scheme: scheme, file: path)
                continue
            }
            guard root.exists(spec.path) else {
                throw FormatError(file: path, path: spec.path, "missing dataset; expected float32 of shape \(spec.shape) (implied by the architecture)")
            }
            let ds = try root.dataset(spec.path)
            try check(ds, spec: spec, file: path)
            infos.append(DatasetInfo(path: spec.path, shape: ds.shape, dtype: "\(ds.dtype)", bytes: ds.count * 4, tiedTo: nil))
        }
        for (alias, target) in arch.tiedAliases.sorted(by: { $0.key < $1.key }) where root.exists(alias) {
            let ds = try root.dataset(alias)
            let spec = arch.parameterSpecs.first { $0.path == target }!
            try check(ds, spec: ParameterSpec(path: alias, shape: spec.shape), file: path)
            infos.append(DatasetInfo(path: alias, shape: ds.shape, dtype: "\(ds.dtype)", bytes: ds.count * 4, tiedTo: target))
        }
        let expected = Set(infos.map(\.path))
        for p in try root.allDatasetPaths() where !expected.contains(p) && !arch.isIgnoredBuffer(p) {
            throw FormatError(file: path, path: p, "unexpected dataset: the \(arch.family) architecture has no parameter at this path")
        }
        return ModelHeader(file: path, fileBytes: file.sizeOnDisk, architecture: arch, vocabulary: vocabulary,
                           history: history, datasets: infos, quantization: quant)
    }

    /// The scheme of a quantized linear layer (its group carries `quant`), or nil for a float parameter.
    private static func quantScheme(_ root: Group, spec: ParameterSpec, file: String) throws -> QuantizedLinear.Scheme? {
        guard spec.shape.count == 2, spec.path.hasSuffix("/weight") else { return nil }
        let layer = String(spec.path.dropLast("/weight".count))
        guard root.kind(of: layer) == .group, try root.group(layer).hasAttribute("quant") else { return nil }
        let name = try root.group(layer).stringAttribute("quant")
        guard let scheme = QuantizedLinear.Scheme(rawValue: name) else {
            throw FormatError(file: file, path: layer, "attribute quant is \"\(name)\"; expected one of \(QuantizedLinear.Scheme.allCases.map(\.rawValue))")
        }
        if root.exists(spec.path) {
            throw FormatError(file: file, path: spec.path, "a layer quantized as \(name) stores qweight and weight_scale, not a float weight")
        }
        return scheme
    }

    /// Validates the datasets of one quantized layer (shapes, dtypes, storage) and describes them.
    private static func quantizedInfos(_ root: Group, layer: String, n: Int, k: Int, scheme: QuantizedLinear.Scheme,
                                       file: String) throws -> [DatasetInfo] {
        var want: [(String, [Int], DType)] = [("qweight", [n, k], .int8), ("weight_scale", [n], .float32)]
        if scheme == .static { want.append(("input_scale", [1], .float32)) }
        if root.exists(layer + "/smooth_scale") { want.append(("smooth_scale", [k], .float32)) }
        if scheme == .dynamic, root.exists(layer + "/input_scale") {
            throw FormatError(file: file, path: layer + "/input_scale", "present, but the int8-dynamic scheme computes activation scales at run time")
        }
        return try want.map { name, shape, dtype in
            let p = layer + "/" + name
            guard root.exists(p) else {
                throw FormatError(file: file, path: p, "missing dataset; expected \(dtype) of shape \(shape) for a \(scheme.rawValue) layer")
            }
            let ds = try root.dataset(p)
            try check(ds, spec: ParameterSpec(path: p, shape: shape), file: file, dtype: dtype)
            return DatasetInfo(path: p, shape: shape, dtype: "\(dtype)", bytes: ds.count * (dtype.size ?? 4), tiedTo: nil)
        }
    }

    private static func check(_ ds: Dataset, spec: ParameterSpec, file: String, dtype: DType = .float32) throws {
        guard ds.dtype == dtype else {
            throw FormatError(file: file, path: spec.path, "expected dtype \(dtype), found \(ds.dtype)")
        }
        guard ds.shape == spec.shape else {
            throw FormatError(file: file, path: spec.path, "expected shape \(spec.shape) (implied by the architecture), found \(ds.shape)")
        }
        do { try ds.validateStorage() } catch let e as HDF5Error {
            throw FormatError(file: file, path: spec.path, e.message)
        }
    }

    private static func readVocabulary(_ root: Group, arch: Architecture, file: String) throws -> [String]? {
        guard root.hasAttribute("vocabulary") else { return nil }
        let text = try root.stringAttribute("vocabulary")
        guard let v = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            throw FormatError(file: file, path: "vocabulary", "malformed vocabulary: expected a JSON array of strings")
        }
        if case .gpt(let c) = arch, v.count != c.vocab_size {
            throw FormatError(file: file, path: "vocabulary", "expected \(c.vocab_size) entries (vocab_size), found \(v.count)")
        }
        if case .mlp = arch {
            throw FormatError(file: file, path: "vocabulary", "an mlp model has no vocabulary (only gpt models do)")
        }
        for (i, entry) in v.enumerated() where entry.unicodeScalars.count != 1 {
            throw FormatError(file: file, path: "vocabulary[\(i)]",
                              "expected a single character (one Unicode scalar), found \(entry.debugDescription) (\(entry.unicodeScalars.count) scalars)")
        }
        if Set(v).count != v.count {
            throw FormatError(file: file, path: "vocabulary", "entries must be unique")
        }
        return v
    }

    /// Reads a whole model: the header is validated first, then each parameter is allocated and read.
    /// Non-finite weights are an error naming the tensor and element, unless `allowNonFinite` (for `inspect`).
    public static func read(_ path: String, allowNonFinite: Bool = false) throws -> ModelFile {
        let file = try HDF5.File(openReadOnly: path)
        let header = try readHeader(file)
        let root = try file.root
        var params: [String: Tensor] = [:]
        var quantized: [String: QuantizedLinear] = [:]
        for spec in header.architecture.parameterSpecs {
            let layer = String(spec.path.dropLast("/weight".count))
            if let scheme = header.quantization[layer], spec.path.hasSuffix("/weight") {
                quantized[layer] = try readQuantized(root, layer: layer, n: spec.shape[0], k: spec.shape[1], scheme: scheme, file: path)
                continue
            }
            let t = Tensor(uninitialized: spec.shape)
            do {
                try root.dataset(spec.path).read(into: t.buffer)
            } catch let e as HDF5Error {
                throw FormatError(file: path, path: spec.path, e.message)
            }
            if !allowNonFinite { try requireFinite(t.buffer, path: spec.path, shape: spec.shape, file: path) }
            params[spec.path] = t
        }
        // A tied alias present as a separate copy must equal its target.
        for (alias, target) in header.architecture.tiedAliases where root.exists(alias) {
            let ds = try root.dataset(alias)
            if ds.objectAddress == (try root.dataset(target)).objectAddress { continue }
            let copy: [Float] = try ds.read()
            let t = params[target]!
            if let i = (0..<t.count).first(where: { copy[$0] != t.data[$0] }) {
                throw FormatError(file: path, path: alias,
                                  "tie_embeddings is true but \(alias) differs from \(target) at element \(i) (\(copy[i]) vs \(t.data[i])); set tie_embeddings false to keep both")
            }
        }
        let model = ModelFile(architecture: header.architecture, vocabulary: header.vocabulary,
                              history: header.history, parameters: params, quantized: quantized)
        try model.validateParameters(file: path)
        return model
    }

    private static func readQuantized(_ root: Group, layer: String, n: Int, k: Int, scheme: QuantizedLinear.Scheme,
                                      file: String) throws -> QuantizedLinear {
        do {
            let q: [Int8] = try root.dataset(layer + "/qweight").read()
            let sw: [Float] = try root.dataset(layer + "/weight_scale").read()
            let sx: [Float]? = scheme == .static ? try root.dataset(layer + "/input_scale").read() : nil
            let sm: [Float]? = root.exists(layer + "/smooth_scale") ? try root.dataset(layer + "/smooth_scale").read() : nil
            for (name, v) in [("weight_scale", sw), ("input_scale", sx ?? []), ("smooth_scale", sm ?? [])] {
                try v.withUnsafeBufferPointer { try requireFinite($0, path: layer + "/" + name, shape: [v.count], file: file) }
            }
            return QuantizedLinear(scheme: scheme, n: n, k: k, qweight: q, weightScale: sw, inputScale: sx?.first, smoothScale: sm)
        } catch let e as HDF5Error {
            throw FormatError(file: file, path: layer, e.message)
        }
    }
}

extension ModelFile {
    /// Throws at the first NaN or infinity, naming the tensor, the element's index and its value.
    static func requireFinite<B: Collection>(_ values: B, path: String, shape: [Int], file: String) throws where B.Element == Float, B.Index == Int {
        guard let i = values.firstIndex(where: { !$0.isFinite }) else { return }
        var rest = i, index: [Int] = []
        for d in shape.reversed() { index.append(rest % max(d, 1)); rest /= max(d, 1) }
        throw FormatError(file: file, path: path,
                          "element \(Array(index.reversed())) is \(values[i]): weights must be finite (inspect --allow-nonfinite shows such a file)")
    }
}
