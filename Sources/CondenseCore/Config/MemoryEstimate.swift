// MemoryEstimate: the memory a stage needs, part by part (weights, optimizer state, activations, teacher, data),
// which --dry-run prints and every run is refused on when it exceeds the machine's physical memory.
import Foundation

/// Bytes, each part an estimate from the architecture and the batch sizes (not a bound): float32 weights; AdamW's
/// gradients and two moments; one (micro-)batch's activations (with their gradients when training); a distillation
/// teacher's weights and forward activations; and the data set as held in memory (`DataSpec.memoryEstimate`).
public struct MemoryEstimate: Codable, Equatable, Sendable {
    public var parameters = 0.0
    public var optimizer = 0.0
    public var activations = 0.0
    public var teacher = 0.0
    public var data = 0.0
    /// Bytes of the data set read from a memory-mapped file (page cache, not counted in `total`); nil when none is.
    public var mapped: Double? = nil

    public init(parameters: Double = 0, optimizer: Double = 0, activations: Double = 0, teacher: Double = 0, data: Double = 0) {
        self.parameters = parameters; self.optimizer = optimizer; self.activations = activations
        self.teacher = teacher; self.data = data
    }

    public var total: Double { parameters + optimizer + activations + teacher + data }

    /// "1.23 GiB (parameters 102.0 MiB, optimizer state 306.0 MiB, activations per batch 820.0 MiB, teacher 0.0 MiB, data 20.0 MiB)".
    public var summary: String {
        let parts = [("parameters", parameters), ("optimizer state", optimizer), ("activations per batch", activations),
                     ("teacher", teacher), ("data", data)]
        let m = mapped.map { ", data mapped from disk \(SizeLimits.size($0)) (page cache, not counted)" } ?? ""
        return "\(SizeLimits.size(total)) (" + parts.map { "\($0.0) \(SizeLimits.size($0.1))" }.joined(separator: ", ") + m + ")"
    }

    /// Throws `fail(message)` when the total exceeds the memory limit (physical memory, or CONDENSE_MEMORY_LIMIT),
    /// naming `what` and every part.
    public func check(_ what: String, _ fail: (String) -> Error) throws {
        let limit = Double(SizeLimits.memoryLimit)
        if limit > 0 && total > limit {
            let which = limit < Double(SizeLimits.physicalMemory) ? "CONDENSE_MEMORY_LIMIT allows" : "this machine has"
            throw fail("\(what) needs an estimated \(summary) of memory; \(which) \(SizeLimits.size(limit))")
        }
    }
}

extension Architecture {
    /// A training run of this model at micro-batch `batchSize` (weights 4 bytes a parameter, gradients and two
    /// AdamW moments 12 more, float32 activations and their gradients for one micro-batch).
    public func trainingMemory(batchSize: Int) -> MemoryEstimate {
        let b = Double(batchSize)
        let params = Double(checkedParameterCount() ?? Int.max)
        let acts: Double
        switch self {
        case .mlp(let c): acts = 3 * 4 * b * Double(c.widths.reduce(0, +))
        case .gpt(let c):
            let t = Double(c.block_size), C = Double(c.n_embd), A = Double(c.attnWidth), F = Double(c.ffn_hidden)
            let perLayer = 10 * C + 5 * A + 2 * F + Double(c.n_head) * t
            acts = 2 * 4 * b * t * (Double(c.n_layer) * perLayer + 3 * Double(c.vocab_size))
        }
        return MemoryEstimate(parameters: 4 * params, optimizer: 12 * params, activations: acts)
    }

    /// An inference forward over `rows` examples (or sequences): the weights and the activations beside them.
    public func inferenceMemory(rows: Int) -> MemoryEstimate {
        let b = Double(rows)
        let params = Double(checkedParameterCount() ?? Int.max)
        let acts: Double
        switch self {
        case .mlp(let c): acts = 2 * 4 * b * Double(c.widths.reduce(0, +))
        case .gpt(let c):
            let t = Double(c.block_size)
            acts = 4 * b * t * (Double(c.n_embd) * 8 + Double(c.ffn_hidden) + Double(c.n_head) * t + Double(c.vocab_size))
        }
        return MemoryEstimate(parameters: 4 * params, activations: acts)
    }

    /// Distilling into a student of this architecture from `teacher` at micro-batch `batchSize`.
    public func distillMemory(teacher: Architecture, batchSize: Int) -> MemoryEstimate {
        var m = trainingMemory(batchSize: batchSize)
        m.teacher = teacher.inferenceMemory(rows: batchSize).total
        return m
    }
}

extension DataSpec {
    /// Bytes the data set keeps in memory once loaded (the `data` part of a MemoryEstimate): with mapped features
    /// (`backing`), 16 an example (the int32 labels and split index, and the labels as read); else `inMemoryEstimate`.
    public func memoryEstimate(family: String?) -> Double {
        if (try? backing(family: family)) == .mapped, let m = mappableArrays(family: family) { return 16 * Double(m.rows) }
        return inMemoryEstimate(family: family)
    }

    /// The bytes of the features that are read from a mapped file (the `mapped` part of a MemoryEstimate), or nil.
    public func mappedBytes(family: String?) -> Double? {
        guard (try? backing(family: family)) == .mapped, let m = mappableArrays(family: family) else { return nil }
        return Double(m.bytes)
    }

    /// Bytes the data set takes in memory when read whole. Demo sets by their
    /// known sizes; a user's file by its size on disk times what its reader keeps per byte: text 9 (the decoded
    /// string, the Int32 ids and their split copies), CSV 2 (the text and the floats), arrays 2 (the file bytes and
    /// the tensors; HDF5 at least 8 bytes an x element, its floats and their tensor, when it is compressed), an .npz
    /// 8 (compressed members); IDX 9 bytes a pixel its headers declare (else 8 per byte on disk); nanoGPT's .bin
    /// files 0 (they are memory-mapped and read window by window).
    public func inMemoryEstimate(family: String?) -> Double {
        if path.isEmpty {
            let set = name.isEmpty ? (family == "gpt" ? "shakespeare" : "fashion-mnist") : name
            // Fashion-MNIST: 70,000 float32 images of 784 pixels; Shakespeare: 5.06 M characters as Int32 and text.
            return set == "shakespeare" ? 5_057_239 * 5 : 70_000 * 785 * 4
        }
        let format = DataFormat(rawValue: self.format) ?? (try? DataFormat.detect(path, family: family))
        let factor: Double
        switch format {
        case .nanogpt?: return 0
        case .text?: factor = 9
        case .csv?: factor = 2
        case .hdf5?: return max(2 * Double(Self.bytesOnDisk(path)), 8 * Double(ArrayReaders.hdf5FeatureElements(path) ?? 0))
        case .npy?: factor = path.hasSuffix(".npz") ? 8 : 2
        case .idx?:
            // The inflated bytes, their floats and the tensor they are copied into: 9 bytes a pixel.
            if let pixels = ArrayReaders.idxPixels(path) { return 9 * Double(pixels) }
            factor = 8
        case nil: factor = 2
        }
        return factor * Double(Self.bytesOnDisk(path))
    }

    /// The size of a file, or of the regular files directly inside a folder.
    static func bytesOnDisk(_ path: String) -> Int {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return 0 }
        let files = isDir.boolValue ? ((try? fm.contentsOfDirectory(atPath: path)) ?? []).map { path + "/" + $0 } : [path]
        return files.reduce(0) { $0 + ((try? fm.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
    }
}

extension TaskData {
    /// Bytes the loaded data holds in memory: float32 features and int32 labels, or int32 token ids (a mapped
    /// nanoGPT split, and mapped features, count nothing but their labels and index: their pages belong to the page
    /// cache and are read on demand).
    public var residentBytes: Double {
        func bytes(_ d: LabeledImages) -> Double { Double(d.rows.residentBytes) + Double(d.count) * 4 }
        func bytes(_ t: TokenSequence) -> Double { t.isMapped ? 0 : Double(t.count) * 4 }
        switch self {
        case .classification(let train, let val, .loaded(let test, _)): return bytes(train) + bytes(val) + bytes(test)
        case .classification(let train, let val, .fashion): return bytes(train) + bytes(val)
        case .text(let c): return bytes(c.train) + bytes(c.val) + bytes(c.test)
        }
    }
}

extension TaskData {
    /// Bytes of mapped features the loaded data reads from the page cache (4 a feature), or nil when none are mapped.
    public var mappedBytes: Double? {
        guard case .classification(let train, let val, let source) = self else { return nil }
        var splits = [train, val]
        if case .loaded(let test, _) = source { splits.append(test) }
        let mapped = splits.filter(\.isMapped)
        return mapped.isEmpty ? nil : mapped.reduce(0) { $0 + Double($1.count * $1.features * 4) }
    }
}
