// MappedMatrix: a (rows, columns) array of numbers stored row-major inside a memory-mapped file (a .npy payload, a
// contiguous HDF5 dataset), read row by row into Float through the mapping and checked front to back with pread(2).
import Foundation

public struct MappedMatrix {
    let file: MappedFile
    /// Byte offset of row 0 in the file.
    public let offset: Int
    public let rows: Int
    public let columns: Int
    public let coding: ElementCoding
    /// Named in errors: the file, and the dataset or array.
    public let source: String

    var rowBytes: Int { columns * coding.itemSize }

    /// Maps `path` and checks that rows × columns elements of `coding` starting at `offset` lie inside it.
    public init(path: String, offset: Int, rows: Int, columns: Int, coding: ElementCoding, source: String) throws {
        let file = try MappedFile(path)
        guard rows >= 0, columns >= 0, offset >= 0 else {
            throw DataError(source, expected: "a non-negative shape and offset", found: "(\(rows), \(columns)) at byte \(offset)")
        }
        let (cells, o1) = rows.multipliedReportingOverflow(by: columns)
        let (bytes, o2) = cells.multipliedReportingOverflow(by: coding.itemSize)
        let (end, o3) = offset.addingReportingOverflow(bytes)
        guard !o1, !o2, !o3, end <= file.count else {
            throw DataError(source, expected: "\(rows) × \(columns) elements of \(coding) from byte \(offset) inside the file",
                            found: "a file of \(file.count) bytes (truncated)")
        }
        self.file = file; self.offset = offset; self.rows = rows; self.columns = columns
        self.coding = coding; self.source = source
    }

    /// Below this many bytes, rows are read with pread(2); at or above it, through the mapping. A page fault on a
    /// freshly written file maps its whole large folio (up to 2 MiB), and dropping it again costs ~100 µs: ~50×
    /// a pread of one row from the page cache.
    static let mappedCopyBytes = 1 << 20

    /// Rows start ..< start + n as Float into `dst` (n·columns floats): a few rows with pread(2), a block through the
    /// mapping, whose pages are then dropped from this process's mappings (they stay in the page cache), so that
    /// sampled rows never add up to a resident copy of the file. A read error (the file shrank since it was checked)
    /// stops the process with the file named, as a fault on the mapping would.
    @inline(__always)
    public func copyRows(_ start: Int, _ n: Int, to dst: UnsafeMutablePointer<Float>) {
        precondition(start >= 0 && n >= 0 && start <= rows - n, "MappedMatrix: rows \(start)..<\(start + n) outside 0..<\(rows)")
        guard n > 0, columns > 0 else { return }
        let at = offset + start * rowBytes, bytes = n * rowBytes
        if bytes >= Self.mappedCopyBytes {
            coding.floats(file.base + at, n * columns, to: dst)
            file.release(from: at, bytes: bytes)
            return
        }
        do {
            if coding.isFloat32 { try file.read(dst, bytes: bytes, at: at); return }
            let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
            defer { raw.deallocate() }
            try file.read(raw, bytes: bytes, at: at)
            coding.floats(raw, n * columns, to: dst)
        } catch { fatalError("\(error)") }
    }

    /// Rows `rows[0]`, `rows[1]`, … as Float into `dst` (one after another), each read with pread(2): a pass over
    /// many scattered rows (a digest of a seeded subset) then costs no page faults and leaves no pages mapped.
    public func readRows(_ rows: UnsafeBufferPointer<Int32>, to dst: UnsafeMutablePointer<Float>) throws {
        guard !rows.isEmpty, columns > 0 else { return }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: rowBytes, alignment: 16)
        defer { raw.deallocate() }
        for (k, r) in rows.enumerated() {
            precondition(r >= 0 && Int(r) < self.rows, "MappedMatrix: row \(r) outside 0..<\(self.rows)")
            try file.read(raw, bytes: rowBytes, at: offset + Int(r) * rowBytes)
            coding.floats(raw, columns, to: dst + k * columns)
        }
    }

    /// Visits the rows in order, in chunks of whole rows (at least one) converted to Float, read with pread(2) so that
    /// a pass over a large file leaves the resident set as it was; `body` gets the chunk and its first row.
    public func forEachChunk(_ body: (UnsafeBufferPointer<Float>, Int) throws -> Void) throws {
        try forEachConverted({ raw, n, dst in coding.floats(raw, n, to: dst) }, body)
    }

    /// Every stored element as Double, in order, chunk by chunk (labels; a column vector is its own chunked pass).
    public func forEachDoubleChunk(_ body: (UnsafeBufferPointer<Double>, Int) throws -> Void) throws {
        try forEachConverted({ raw, n, dst in for i in 0..<n { dst[i] = coding.double(raw, i) } }, body)
    }

    /// The one front-to-back walk: chunks of whole rows read with pread(2), `convert(raw, n, dst)` turning n stored
    /// elements into T, then `body` with the converted chunk and its first row.
    func forEachConverted<T>(_ convert: (UnsafeRawPointer, Int, UnsafeMutablePointer<T>) -> Void,
                             _ body: (UnsafeBufferPointer<T>, Int) throws -> Void) throws {
        guard rows > 0, columns > 0 else { return }
        let perChunk = max(1, MappedFile.chunkBytes / rowBytes)
        let values = UnsafeMutablePointer<T>.allocate(capacity: perChunk * columns)
        defer { values.deallocate() }
        try file.stream(from: offset, bytes: rows * rowBytes, chunk: perChunk * rowBytes) { raw, at in
            let n = raw.count / coding.itemSize
            convert(raw.baseAddress!, n, values)
            try body(UnsafeBufferPointer(start: values, count: n), (at - offset) / rowBytes)
        }
    }

    /// Throws, naming the row and column, at the first element that is not finite (the check a whole read makes).
    public func checkFinite() throws {
        try forEachChunk { chunk, firstRow in
            if let bad = Self.firstNonFinite(chunk.baseAddress!, chunk.count) {
                throw DataError(source, expected: "finite features",
                                found: "\(chunk[bad]) at row \(firstRow + bad / columns), column \(bad % columns)")
            }
        }
    }

    /// The index of the first of p[0..<n] that is not finite (a plain loop: a debug build does not specialise
    /// `firstIndex(where:)`, which then costs an allocation an element).
    @inline(__always)
    static func firstNonFinite(_ p: UnsafePointer<Float>, _ n: Int) -> Int? {
        var i = 0
        while i < n { if !p[i].isFinite { return i }; i += 1 }
        return nil
    }
}
