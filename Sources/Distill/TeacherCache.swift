// TeacherCache: the teacher's logits over the training split, precomputed once into HDF5 and keyed by the teacher's digest.
import CondenseCore
import Foundation
import HDF5

/// Serves teacher logits from the cache, looked up by the FNV-1a hash of each input row's features; a batch with a
/// row not in the cache (which cannot happen for unaugmented training batches) falls back to the online teacher.
final class CachedTeacher: TeacherSource {
    /// (N, C) teacher logits at T = 1, in training-split order. Full distributions: any T is derived exactly.
    let table: [Float]
    let classes: Int
    let features: Int
    let index: [UInt64: Int]
    var out: [Float] = []
    var misses = 0
    /// Seconds spent building the cache (0 when an existing cache was reused).
    var buildSeconds = 0.0
    var reused = false

    init(net: Network, table: [Float], classes: Int, features: Int, index: [UInt64: Int]) {
        self.table = table; self.classes = classes; self.features = features; self.index = index
        super.init(net: net)
    }

    override func produce(_ input: NetworkInput) -> UnsafePointer<Float> {
        guard case .features(let x, let b) = input, !table.isEmpty else { return UnsafePointer(net.predict(input)) }
        let f = features, c = classes
        if out.count < b * c { out = [Float](repeating: 0, count: b * c) }
        for r in 0..<b {
            let h = fnv1a(UnsafeRawBufferPointer(start: x + r * f, count: f * 4))
            guard let i = index[h] else { misses += 1; return UnsafePointer(net.predict(input)) }
            for j in 0..<c { out[r * c + j] = table[i * c + j] }
        }
        return out.withUnsafeBufferPointer { $0.baseAddress! }
    }

    /// Opens the cache at `path`, or builds it there. An existing cache made from another teacher is an error.
    static func open(path: String, teacher: ModelFile, net: Network, data: TaskData) throws -> CachedTeacher {
        let digest = modelDigest(teacher)
        guard case .classification(let train, _, _) = data else {
            throw FormatError(file: path, "--cache-teacher is implemented for classification data only so far; run the \(data.name) teacher online (drop --cache-teacher)")
        }
        let n = train.count, f = train.features, c = net.outputs
        if FileManager.default.fileExists(atPath: path) {
            let file = try HDF5.File(openReadOnly: path)
            let root = try file.root
            let found = (try? root.stringAttribute("teacher_digest")) ?? "none"
            guard found == digest else {
                throw FormatError(file: path, path: "teacher_digest",
                                  "this teacher cache was made from a different teacher (cache digest \(found), teacher digest \(digest)); delete it or give another --cache-path")
            }
            let ds = try root.dataset("logits")
            guard ds.shape == [n, c] else {
                throw FormatError(file: path, path: "logits", "expected shape [\(n), \(c)] (the training split), found \(ds.shape)")
            }
            let t = CachedTeacher(net: net, table: try ds.read(as: Float.self), classes: c, features: f, index: makeIndex(train))
            t.reused = true
            return t
        }
        // Build: the teacher's inference forward over the training split, 256 rows at a time.
        let t0 = Date()
        var table = [Float](repeating: 0, count: n * c)
        var start = 0
        while start < n {
            let b = min(256, n - start)
            let logits = net.predict(.features(train.images.data + start * f, batch: b))
            for i in 0..<(b * c) { table[start * c + i] = logits[i] }
            start += b
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try writeAtomically(to: path) { tmp in
            let file = try HDF5.File(create: tmp)
            let root = try file.root
            try root.setAttribute("teacher_digest", string: digest)
            try root.setAttribute("kind", string: "full")
            try root.setAttribute("data", string: data.name)
            try table.withUnsafeBufferPointer { _ = try root.createDataset("logits", shape: [n, c], data: $0) }
            try file.flush()
        }
        let t = CachedTeacher(net: net, table: table, classes: c, features: f, index: makeIndex(train))
        t.buildSeconds = Date().timeIntervalSince(t0)
        return t
    }

    static func makeIndex(_ train: LabeledImages) -> [UInt64: Int] {
        var index: [UInt64: Int] = [:]
        index.reserveCapacity(train.count)
        let f = train.features
        for i in 0..<train.count {
            // Duplicate images share a key; their teacher outputs are identical anyway.
            index[fnv1a(UnsafeRawBufferPointer(start: train.images.data + i * f, count: f * 4))] = i
        }
        return index
    }
}
