// ArrayCache+HDF5: an HDF5 x dataset that cannot be mapped in place (chunked, compressed, compact, big-endian, 8-byte
// integers) converted once into the array cache in bands of whole chunks read through libhdf5, then mapped.
import Foundation
import HDF5

extension ArrayCache {
    /// Bytes of float32 a band holds while it is converted (libhdf5 adds the chunks it is inflating).
    static let bandBytes = 4 << 20

    /// Dataset `name` of `path` as a matrix of the array cache (converted on first use): rows are read `bandRows`
    /// at a time, converted to Float by libhdf5 exactly as a whole read converts them, checked for being finite
    /// (naming row and column) and appended; on any error nothing is left in the cache.
    static func hdf5Dataset(_ d: Dataset, path: String, name: String) throws -> MappedMatrix {
        let source = "\(path): \(name)"
        let rows = d.shape[0], features = d.rowElements
        let key = try key(reader: "hdf5-dataset", parameters: [name], sources: [path])
        if let entry = try open(key, source: source) { return entry.x }
        do { try d.validateStorage() } catch { throw DataError(source, expected: "a readable numeric dataset", found: "\(error)") }
        return try write(key, features: features, source: source) { w in
            let band = try d.bandRows(budget: bandBytes, elementBytes: 4)
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: band * features)
            defer { buffer.deallocate() }
            var start = 0
            while start < rows {
                let n = min(band, rows - start)
                let part = UnsafeMutableBufferPointer(rebasing: buffer[0..<(n * features)])
                do { try d.readRows(start, n, into: part) } catch {
                    throw DataError(source, expected: "a readable numeric dataset", found: "\(error)")
                }
                if let bad = MappedMatrix.firstNonFinite(part.baseAddress!, part.count) {
                    throw DataError(source, expected: "finite features",
                                    found: "\(part[bad]) at row \(start + bad / features), column \(bad % features)")
                }
                try w.append(features: UnsafeBufferPointer(part))
                start += n
            }
        }.x
    }
}
