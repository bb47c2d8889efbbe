// CachedTeacher: a teacher's outputs on the training inputs, precomputed once into HDF5 (docs/FORMAT.md, "Teacher
// cache") and keyed by the teacher's digest: full logits for small class counts or vocabularies (every member's, for
// an ensemble), top-k log-probabilities of the teacher's distribution (with the missing mass spread uniformly over
// the other classes) for large ones.
import CondenseCore
import Foundation
import HDF5

/// Serves teacher logits from the cache, looked up by the FNV-1a hash of each input unit: an image's features, or a
/// text window's token ids (whose T rows are stored together). A batch with a unit not in the cache (which cannot
/// happen for unaugmented training batches of the run the cache was built for) goes to the online teacher.
public final class CachedTeacher: Teacher {
    /// The teacher the cache was built from; it serves the misses.
    let online: Teacher
    let classes: Int
    /// nil: `full` holds (M, N, C) logits at T = 1 of the M members (M = 1 for one teacher), so any T is derived
    /// exactly. k: `values`/`indices` hold (N, k) log-probabilities of the teacher's distribution at T = 1, best
    /// first, and `logits` rebuilds (N, C) logits by `reconstructLogits`.
    let topK: Int?
    let full: [Float]
    let values: [Float]
    let indices: [Int32]
    /// Members stored in `full` and their normalised weights (1 and [1] for one teacher).
    let members: Int
    let weights: [Double]
    /// Rows per key: 1 for images, T for text windows.
    let rowsPerKey: Int
    /// Key → first row / rowsPerKey.
    let index: [UInt64: Int]
    private var out: [Float] = []
    private var memberRows: [[Float]] = []
    public let usage = TeacherUsage()
    var misses = 0
    /// Rows (examples or tokens) held.
    var rowCount: Int { topK.map { values.count / $0 } ?? full.count / (classes * members) }
    /// Seconds spent building the cache (0 when an existing cache was reused).
    var buildSeconds = 0.0
    var reused = false

    init(online: Teacher, topK: Int?, full: [Float], values: [Float], indices: [Int32], members: Int, weights: [Double],
         rowsPerKey: Int, keys: [UInt64]) {
        self.online = online; classes = online.outputs; self.topK = topK; self.full = full; self.values = values
        self.indices = indices; self.members = members; self.weights = weights; self.rowsPerKey = rowsPerKey
        var index: [UInt64: Int] = [:]
        index.reserveCapacity(keys.count)
        // Duplicate inputs share a key; their teacher outputs are identical anyway.
        for (i, k) in keys.enumerated() where index[k] == nil { index[k] = i }
        self.index = index
    }

    public var outputs: Int { classes }
    public var digest: String { online.digest }
    public var hiddenStates: GPT? { nil }

    public func logits(for input: NetworkInput, temperature: Double) -> UnsafePointer<Float> {
        usage.timed(rows: input.rows) { lookup(input, temperature: temperature) }
    }

    private func lookup(_ input: NetworkInput, temperature: Double) -> UnsafePointer<Float> {
        // The input's key units: images (one row each) or token windows (T rows each).
        let base: UnsafeRawPointer, units: Int, bytes: Int, rows: Int
        switch input {
        case .features(let x, let b): (base, units, bytes, rows) = (UnsafeRawPointer(x), b, (featureWidth ?? 0) * 4, 1)
        case .tokens(let ids, let b, let t): (base, units, bytes, rows) = (UnsafeRawPointer(ids), b, t * 4, t)
        }
        let c = classes, n = units * rows * c
        guard rows == rowsPerKey, units > 0 else { misses += 1; return online.logits(for: input, temperature: temperature) }
        var found: [Int] = []
        for u in 0..<units {
            guard let i = index[fnv1a(UnsafeRawBufferPointer(start: base + u * bytes, count: bytes))] else {
                misses += 1; return online.logits(for: input, temperature: temperature)
            }
            found.append(i)
        }
        if out.count != n { out = [Float](repeating: 0, count: n) }
        if let k = topK {
            out.withUnsafeMutableBufferPointer { o in
                values.withUnsafeBufferPointer { v in
                    indices.withUnsafeBufferPointer { ix in
                        for (u, i) in found.enumerated() {
                            for r in 0..<rows {
                                let src = i * rows + r
                                reconstructLogits(values: v.baseAddress! + src * k, indices: ix.baseAddress! + src * k, k: k,
                                                  cols: c, out: o.baseAddress! + (u * rows + r) * c)
                            }
                        }
                    }
                }
            }
        } else {
            if memberRows.count != members || memberRows[0].count != n {
                memberRows = (0..<members).map { _ in [Float](repeating: 0, count: n) }
            }
            let stride = full.count / members
            for m in 0..<members {
                for (u, i) in found.enumerated() {
                    for j in 0..<(rows * c) { memberRows[m][u * rows * c + j] = full[m * stride + i * rows * c + j] }
                }
            }
            if members == 1 { return memberRows[0].withUnsafeBufferPointer { $0.baseAddress! } }
            let ptrs = memberRows.map { $0.withUnsafeBufferPointer { $0.baseAddress! } }
            out.withUnsafeMutableBufferPointer {
                mixTempered(ptrs, weights: weights, rows: units * rows, cols: c, temperature: temperature, out: $0.baseAddress!)
            }
        }
        return out.withUnsafeBufferPointer { $0.baseAddress! }
    }

    /// Image features per example (set by `open`), the width of a key unit.
    var featureWidth: Int?
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
