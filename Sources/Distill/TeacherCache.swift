// TeacherCache: the teacher's outputs on the training inputs, precomputed once into HDF5 and keyed by the teacher's
// digest: full logits for small class counts or vocabularies, top-k log-probabilities (with the missing mass spread
// uniformly over the other classes) for large ones.
import CondenseCore
import Foundation
import HDF5

/// Serves teacher logits from the cache, looked up by the FNV-1a hash of each input unit: an image's features, or a
/// text window's token ids (whose T rows are stored together). A batch with a unit not in the cache (which cannot
/// happen for unaugmented training batches of the run the cache was built for) falls back to the online teacher.
final class CachedTeacher: TeacherSource {
    let classes: Int
    /// nil: `full` holds (N, C) logits at T = 1, so any T is derived exactly. k: `values`/`indices` hold (N, k)
    /// log-probabilities at T = 1, best first, and `produce` rebuilds (N, C) logits by `reconstructLogits`.
    let topK: Int?
    let full: [Float]
    let values: [Float]
    let indices: [Int32]
    /// Rows per key: 1 for images, T for text windows.
    let rowsPerKey: Int
    /// Key → first row / rowsPerKey.
    let index: [UInt64: Int]
    var out: [Float] = []
    var misses = 0
    /// Rows (examples or tokens) held.
    var rowCount: Int { topK.map { values.count / $0 } ?? full.count / classes }
    /// Seconds spent building the cache (0 when an existing cache was reused).
    var buildSeconds = 0.0
    var reused = false

    init(net: Network, classes: Int, topK: Int?, full: [Float], values: [Float], indices: [Int32], rowsPerKey: Int,
         keys: [UInt64]) {
        self.classes = classes; self.topK = topK; self.full = full; self.values = values; self.indices = indices
        self.rowsPerKey = rowsPerKey
        var index: [UInt64: Int] = [:]
        index.reserveCapacity(keys.count)
        // Duplicate inputs share a key; their teacher outputs are identical anyway.
        for (i, k) in keys.enumerated() where index[k] == nil { index[k] = i }
        self.index = index
        super.init(net: net)
    }

    override func produce(_ input: NetworkInput) -> UnsafePointer<Float> {
        // The input's key units: images (one row each) or token windows (T rows each).
        let base: UnsafeRawPointer, units: Int, bytes: Int, rows: Int
        switch input {
        case .features(let x, let b): (base, units, bytes, rows) = (UnsafeRawPointer(x), b, (net.architecture.mlpInputs ?? 0) * 4, 1)
        case .tokens(let ids, let b, let t): (base, units, bytes, rows) = (UnsafeRawPointer(ids), b, t * 4, t)
        }
        let c = classes
        guard rows == rowsPerKey, units > 0 else { misses += 1; return UnsafePointer(net.predict(input)) }
        if out.count < units * rows * c { out = [Float](repeating: 0, count: units * rows * c) }
        for u in 0..<units {
            let h = fnv1a(UnsafeRawBufferPointer(start: base + u * bytes, count: bytes))
            guard let i = index[h] else { misses += 1; return UnsafePointer(net.predict(input)) }
            for r in 0..<rows {
                let src = i * rows + r, dst = (u * rows + r) * c
                out.withUnsafeMutableBufferPointer { o in
                    if let k = topK {
                        values.withUnsafeBufferPointer { v in
                            indices.withUnsafeBufferPointer { ix in
                                reconstructLogits(values: v.baseAddress! + src * k, indices: ix.baseAddress! + src * k, k: k,
                                                  cols: c, out: o.baseAddress! + dst)
                            }
                        }
                    } else {
                        for j in 0..<c { o[dst + j] = full[src * c + j] }
                    }
                }
            }
        }
        return out.withUnsafeBufferPointer { $0.baseAddress! }
    }

    /// Opens the cache at `path`, or builds it there. Images: the whole training split, in order. Text: the windows
    /// of the first `textBatches` training batches of the run's sampler (batch size `batch`, the student's `context`,
    /// `seed`), which are the very windows the search and the final run draw. An existing cache made from another
    /// teacher, or holding another kind of output (full vs top-k), is an error.
    static func open(path: String, teacher: ModelFile, net: Network, data: TaskData, topK: Int?,
                     batch: Int, context: Int, seed: UInt64, textBatches: Int) throws -> CachedTeacher {
        let digest = modelDigest(teacher)
        let c = net.outputs
        let kindName = topK.map { "top-\($0) log-probabilities" } ?? "the full distribution"
        let rowsPerKey: Int
        if case .text = data { rowsPerKey = context } else { rowsPerKey = 1 }
        if FileManager.default.fileExists(atPath: path) {
            let file = try HDF5.File(openReadOnly: path)
            let root = try file.root
            let found = (try? root.stringAttribute("teacher_digest")) ?? "none"
            guard found == digest else {
                throw FormatError(file: path, path: "teacher_digest",
                                  "this teacher cache was made from a different teacher (cache digest \(found), teacher digest \(digest)); delete it or give another --cache-path")
            }
            let kind = (try? root.stringAttribute("kind")) ?? "full"
            let k = kind == "topk" ? Int((try? root.intAttribute("k")) ?? 0) : nil
            guard k == topK else {
                let has = k.map { "top-\($0) log-probabilities" } ?? "the full distribution"
                throw FormatError(file: path, path: "kind",
                                  "this teacher cache holds \(has) but the run asks for \(kindName) (cache_top_k); delete it, give another --cache-path or match --cache-top-k")
            }
            let keys = try root.dataset("keys").read(as: Int64.self).map { UInt64(bitPattern: $0) }
            let n = keys.count * rowsPerKey
            let t: CachedTeacher
            if let k {
                let v = try root.dataset("logprobs"), ix = try root.dataset("indices")
                guard v.shape == [n, k], ix.shape == [n, k] else {
                    throw FormatError(file: path, path: "logprobs", "expected shape [\(n), \(k)] (\(keys.count) keys × \(rowsPerKey) rows), found \(v.shape) and indices \(ix.shape)")
                }
                t = CachedTeacher(net: net, classes: c, topK: k, full: [], values: try v.read(as: Float.self),
                                  indices: try ix.read(as: Int32.self), rowsPerKey: rowsPerKey, keys: keys)
            } else {
                let ds = try root.dataset("logits")
                guard ds.shape == [n, c] else {
                    throw FormatError(file: path, path: "logits", "expected shape [\(n), \(c)] (\(keys.count) keys × \(rowsPerKey) rows), found \(ds.shape)")
                }
                t = CachedTeacher(net: net, classes: c, topK: nil, full: try ds.read(as: Float.self), values: [], indices: [],
                                  rowsPerKey: rowsPerKey, keys: keys)
            }
            t.reused = true
            return t
        }

        // Build: the teacher's inference forward over the inputs.
        let t0 = Date()
        var keys: [UInt64] = [], full: [Float] = [], values: [Float] = [], indices: [Int32] = []
        var seen: Set<UInt64> = []
        var lp = [Float](repeating: 0, count: c)
        func store(_ logits: UnsafePointer<Float>, rows: Int) {
            if let k = topK {
                var v = [Float](repeating: 0, count: k), ix = [Int32](repeating: 0, count: k)
                for r in 0..<rows {
                    Ops.logSoftmaxRows(&lp, logits + r * c, rows: 1, cols: c)
                    topKOf(lp, k: k, values: &v, indices: &ix)
                    values += v; indices += ix
                }
            } else {
                full += UnsafeBufferPointer(start: logits, count: rows * c)
            }
        }
        switch data {
        case .classification(let train, _, _):
            let n = train.count, f = train.features
            var start = 0
            while start < n {
                let b = min(256, n - start)
                let x = train.images.data + start * f
                let logits = net.predict(.features(x, batch: b))
                for r in 0..<b { keys.append(fnv1a(UnsafeRawBufferPointer(start: x + r * f, count: f * 4))) }
                store(logits, rows: b)
                start += b
            }
        case .text:
            let batches = try TrainBatches(data, batchSize: batch, context: context, seed: seed)
            for _ in 0..<textBatches {
                try batches.next()
                batches.withInput { input in
                    guard case .tokens(let ids, let b, let t) = input else { return }
                    let logits = net.predict(input)
                    for u in 0..<b {
                        let h = fnv1a(UnsafeRawBufferPointer(start: ids + u * t, count: t * 4))
                        guard seen.insert(h).inserted else { continue }
                        keys.append(h)
                        store(logits + u * t * c, rows: t)
                    }
                }
            }
        }
        let n = keys.count * rowsPerKey
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try writeAtomically(to: path) { tmp in
            let file = try HDF5.File(create: tmp)
            let root = try file.root
            try root.setAttribute("teacher_digest", string: digest)
            try root.setAttribute("kind", string: topK == nil ? "full" : "topk")
            if let k = topK { try root.setAttribute("k", int: Int64(k)) }
            try root.setAttribute("data", string: data.name)
            try root.setAttribute("rows_per_key", int: Int64(rowsPerKey))
            _ = try root.createDataset("keys", shape: [keys.count], values: keys.map { Int64(bitPattern: $0) })
            if let k = topK {
                _ = try root.createDataset("logprobs", shape: [n, k], values: values)
                _ = try root.createDataset("indices", shape: [n, k], values: indices)
            } else {
                _ = try root.createDataset("logits", shape: [n, c], values: full)
            }
            try file.flush()
        }
        let t = CachedTeacher(net: net, classes: c, topK: topK, full: full, values: values, indices: indices,
                              rowsPerKey: rowsPerKey, keys: keys)
        t.buildSeconds = Date().timeIntervalSince(t0)
        return t
    }
}

/// The k largest entries of `row`, largest first (ties: the lower index first), into values and indices (k each).
func topKOf(_ row: [Float], k: Int, values: inout [Float], indices: inout [Int32]) {
    let order: [Int]
    if k >= row.count / 4 {
        order = Array(row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(k))
    } else {
        // A min-heap of the k best seen so far, keyed (value, −index) so that a tie keeps the lower index.
        var heap: [Int] = []
        heap.reserveCapacity(k)
        func worse(_ a: Int, _ b: Int) -> Bool { row[a] < row[b] || (row[a] == row[b] && a > b) }
        func down(_ i0: Int) {
            var i = i0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && worse(heap[l], heap[m]) { m = l }
                if r < heap.count && worse(heap[r], heap[m]) { m = r }
                if m == i { return }
                heap.swapAt(i, m); i = m
            }
        }
        for j in row.indices {
            if heap.count < k {
                heap.append(j)
                var i = heap.count - 1
                while i > 0 && worse(heap[i], heap[(i - 1) / 2]) { heap.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
            } else if worse(heap[0], j) {
                heap[0] = j; down(0)
            }
        }
        order = heap.sorted { worse($1, $0) }
    }
    for (i, j) in order.enumerated() { values[i] = row[j]; indices[i] = Int32(j) }
}

/// The documented handling of the missing mass: the top-k log-probabilities (at T = 1) keep their values, and the
/// missing mass m = 1 − Σ exp(values), floored at 1e-12, is spread uniformly over the other C − k classes, each
/// getting log(m / (C − k)). The result is a full row of log-probabilities that the loss treats as logits (any T).
/// With k = C there is no missing mass and the row is the full log-softmax.
func reconstructLogits(values: UnsafePointer<Float>, indices: UnsafePointer<Int32>, k: Int, cols: Int,
                       out: UnsafeMutablePointer<Float>) {
    if k < cols {
        var kept = 0.0
        for i in 0..<k { kept += Foundation.exp(Double(values[i])) }
        let tail = Float(Foundation.log(Swift.max(1 - kept, 1e-12) / Double(cols - k)))
        out.update(repeating: tail, count: cols)
    }
    for i in 0..<k { out[Int(indices[i])] = values[i] }
}

extension Architecture {
    var mlpInputs: Int? { if case .mlp(let c) = self { return c.inputs }; return nil }
}
