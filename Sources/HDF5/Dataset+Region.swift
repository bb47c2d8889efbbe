// Dataset+Region: where a contiguous, unfiltered dataset's bytes lie in its file, so that a reader may map them
// instead of reading them through libhdf5.
import CHDF5

/// The bytes of a dataset inside its file: `bytes` (count × element size) from `offset`, little-endian, in the
/// dataset's own element type (`Dataset.dtype`).
public struct ContiguousRegion: Equatable, Sendable {
    public let offset: Int
    public let bytes: Int
}

extension Dataset {
    /// The dataset's bytes when they can be read straight from the file: a contiguous layout with no filters and no
    /// external storage, written, inside the file (the checks of `validateStorage`), of IEEE little-endian float32 or
    /// float64, or a little-endian integer of 1, 2 or 4 bytes with no padding bits. Nil otherwise (chunked, compact,
    /// filtered, big-endian, 8-byte integers): the caller reads it through libhdf5 instead.
    public func contiguousRegion() throws -> ContiguousRegion? {
        try validateStorage()
        let dcpl = H5Dget_create_plist(handle.id)
        guard dcpl >= 0 else { throw fail("cannot read the dataset's creation properties") }
        defer { H5Pclose(dcpl) }
        guard H5Pget_layout(dcpl) == H5D_CONTIGUOUS, H5Pget_nfilters(dcpl) == 0, H5Pget_external_count(dcpl) == 0,
              let esize = dtype.size, isPlainLittleEndian() else { return nil }
        let offset = H5Dget_offset(handle.id)
        guard offset != ch5_haddr_undef(), let start = Int(exactly: offset) else { return nil }
        let (bytes, o1) = count.multipliedReportingOverflow(by: esize)
        let (end, o2) = start.addingReportingOverflow(bytes)
        guard !o1, !o2, end <= file.sizeOnDisk else {
            throw fail("dataset data runs past the end of the file (offset \(offset) + \(bytes) bytes > \(file.sizeOnDisk)): the file is truncated")
        }
        return ContiguousRegion(offset: start, bytes: bytes)
    }

    /// IEEE float32/float64 little-endian, or a little-endian integer of 1, 2 or 4 bytes using all its bits.
    private func isPlainLittleEndian() -> Bool {
        let tid = H5Dget_type(handle.id)
        guard tid >= 0 else { return false }
        defer { H5Tclose(tid) }
        switch dtype {
        case .float32: return H5Tequal(tid, ch5_ieee_f32le()) > 0
        case .float64: return H5Tequal(tid, ch5_ieee_f64le()) > 0
        case .int8, .uint8, .int16, .uint16, .int32, .uint32:
            return H5Tget_order(tid) == H5T_ORDER_LE && H5Tget_precision(tid) == 8 * dtype.size! && H5Tget_offset(tid) == 0
        default: return false
        }
    }
}
