// ExampleRows: the features of a classification split, read by example index: held in memory as a Tensor, or rows of
// a memory-mapped file (through an index, when the split is a seeded subset of the file's rows).
import Foundation

public struct ExampleRows {
    enum Storage {
        /// (count, features), the split's own rows in order.
        case memory(Tensor)
        /// The file's rows; example i is row `index[i]` (or row i when there is no index).
        case mapped(MappedMatrix, index: [Int32]?)
    }

    let storage: Storage
    public let count: Int
    public let features: Int

    public init(_ tensor: Tensor) {
        precondition(tensor.rank == 2, "ExampleRows: a (count, features) tensor")
        storage = .memory(tensor); count = tensor.shape[0]; features = tensor.shape[1]
    }

    public init(mapped m: MappedMatrix) {
        storage = .mapped(m, index: nil); count = m.rows; features = m.columns
    }

    /// Whether the rows live in a mapped file (the page cache) rather than in memory.
    public var isMapped: Bool { if case .mapped = storage { return true }; return false }

    /// Bytes held in memory: the floats, or a mapped subset's index.
    public var residentBytes: Int {
        switch storage {
        case .memory(let t): return t.count * 4
        case .mapped(_, let index): return (index?.count ?? 0) * 4
        }
    }

    /// Writes the features of example i (`features` floats) to `dst`.
    @inline(__always)
    public func copyRow(_ i: Int, to dst: UnsafeMutablePointer<Float>) {
        precondition(i >= 0 && i < count, "ExampleRows: example \(i) outside 0..<\(count)")
        switch storage {
        case .memory(let t): dst.update(from: t.data + i * features, count: features)
        case .mapped(let m, let index): m.copyRows(index.map { Int($0[i]) } ?? i, 1, to: dst)
        }
    }

    /// Writes examples start ..< start + n to `dst` (n·features floats).
    public func copyRows(_ start: Int, _ n: Int, to dst: UnsafeMutablePointer<Float>) {
        precondition(start >= 0 && n >= 0 && start <= count - n, "ExampleRows: examples \(start)..<\(start + n) outside 0..<\(count)")
        switch storage {
        case .memory(let t): dst.update(from: t.data + start * features, count: n * features)
        case .mapped(let m, nil): m.copyRows(start, n, to: dst)
        case .mapped(let m, let index?): for r in 0..<n { m.copyRows(Int(index[start + r]), 1, to: dst + r * features) }
        }
    }

    /// The examples at `indices`, in that order: copied when in memory, an index into the same file when mapped.
    public func gather(_ indices: [Int]) -> ExampleRows {
        switch storage {
        case .memory(let t):
            let f = features
            let out = Tensor(uninitialized: [indices.count, f])
            for (r, i) in indices.enumerated() { (out.data + r * f).update(from: t.data + i * f, count: f) }
            return ExampleRows(out)
        case .mapped(let m, let index):
            let rows = indices.map { i -> Int32 in precondition(i >= 0 && i < count); return index.map { $0[i] } ?? Int32(i) }
            return ExampleRows(storage: .mapped(m, index: rows), count: rows.count, features: features)
        }
    }

    init(storage: Storage, count: Int, features: Int) { self.storage = storage; self.count = count; self.features = features }

    /// Visits the examples in order, in chunks of whole examples (a mapped file is read with pread(2): in large
    /// blocks without an index, row by row with one); `body` gets the floats and the chunk's first example.
    public func forEachChunk(_ body: (UnsafeBufferPointer<Float>, Int) throws -> Void) throws {
        switch storage {
        case .memory(let t): try body(UnsafeBufferPointer(start: t.data, count: t.count), 0)
        case .mapped(let m, nil): try m.forEachChunk(body)
        case .mapped(let m, let index?):
            let per = max(1, MappedFile.chunkBytes / max(4 * features, 1))
            let buf = UnsafeMutablePointer<Float>.allocate(capacity: per * features)
            defer { buf.deallocate() }
            var at = 0
            try index.withUnsafeBufferPointer { all in
                while at < count {
                    let n = min(per, count - at)
                    try m.readRows(UnsafeBufferPointer(rebasing: all[at..<(at + n)]), to: buf)
                    try body(UnsafeBufferPointer(start: buf, count: n * features), at)
                    at += n
                }
            }
        }
    }

    /// All examples as one (count, features) tensor: the tensor itself in memory, a copy of a mapped file's rows
    /// (only for data known to be small).
    public var tensor: Tensor {
        if case .memory(let t) = storage { return t }
        let t = Tensor(uninitialized: [count, features])
        if count > 0 { copyRows(0, count, to: t.data) }
        return t
    }
}
