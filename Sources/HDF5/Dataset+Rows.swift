// Dataset+Rows: bands of whole rows read through a hyperslab selection and converted by libhdf5, sized to whole chunks
// along the first dimension, so that a chunked or compressed dataset is read in memory bounded by a band.
import CHDF5

extension Dataset {
    /// The chunk shape of a chunked dataset; nil for a contiguous or compact one.
    public func chunkShape() throws -> [Int]? {
        let dcpl = H5Dget_create_plist(handle.id)
        guard dcpl >= 0 else { throw fail("cannot read the dataset's creation properties") }
        let plist = Handle(dcpl, close: H5Pclose)
        guard H5Pget_layout(plist.id) == H5D_CHUNKED, !shape.isEmpty else { return nil }
        var dims = [hsize_t](repeating: 0, count: shape.count)
        guard H5Pget_chunk(plist.id, Int32(shape.count), &dims) == Int32(shape.count) else { throw fail("cannot read the chunk shape") }
        return try dims.map { d in
            guard let c = Int(exactly: d), c >= 1 else { throw fail("chunk dimension \(d) is not a positive size") }
            return c
        }
    }

    /// Elements in one row (the product of the dimensions after the first).
    public var rowElements: Int { shape.count >= 1 && shape[0] > 0 ? count / shape[0] : shape.dropFirst().reduce(1, *) }

    /// Rows per band so that a band of `elementBytes`-byte values takes at most about `budget` bytes: a multiple of
    /// the chunk's rows when one chunk row fits (so every chunk is inflated once), else as many rows as fit (at
    /// least one; chunks are then inflated once a band, through libhdf5's chunk cache).
    public func bandRows(budget: Int, elementBytes: Int) throws -> Int {
        guard let n = shape.first, n > 0 else { return 0 }
        let rowBytes = max(1, rowElements.multipliedReportingOverflow(by: elementBytes).partialValue)
        let fit = max(1, budget / rowBytes)
        guard let c = try chunkShape()?.first, fit >= c else { return min(n, fit) }
        return min(n, fit / c * c)
    }

    /// Reads rows start ..< start + n (every other dimension whole), converted by libhdf5 to `T`, into `buffer` of
    /// exactly n × `rowElements` values. Call `validateStorage()` once before the first band.
    public func readRows<T: HDF5Scalar>(_ start: Int, _ n: Int, into buffer: UnsafeMutableBufferPointer<T>) throws {
        guard let mem = T.dtype.nativeType else { throw fail("cannot read as \(T.dtype)") }
        guard let rows = shape.first, start >= 0, n >= 0, start <= rows - n else {
            throw fail("rows \(start)..<\(start + n) outside the dataset's shape \(shape)")
        }
        guard buffer.count == n * rowElements else { throw fail("expected room for \(n * rowElements) elements, found \(buffer.count)") }
        if buffer.isEmpty { return }
        let sid = H5Dget_space(handle.id)
        guard sid >= 0 else { throw fail("cannot read the dataspace") }
        let fileSpace = Handle(sid, close: H5Sclose)
        var offset = [hsize_t](repeating: 0, count: shape.count), extent = shape.map { hsize_t($0) }
        offset[0] = hsize_t(start); extent[0] = hsize_t(n)
        guard H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, &offset, nil, &extent, nil) >= 0 else {
            throw fail("cannot select rows \(start)..<\(start + n)")
        }
        let mid = H5Screate_simple(Int32(extent.count), &extent, nil)
        guard mid >= 0 else { throw fail("cannot create a dataspace for \(n) rows") }
        let memSpace = Handle(mid, close: H5Sclose)
        guard H5Dread(handle.id, mem, memSpace.id, fileSpace.id, ch5_p_default(), buffer.baseAddress) >= 0 else {
            throw fail("read of rows \(start)..<\(start + n) failed: the data is corrupt or truncated")
        }
    }
}
