// Dataset+Storage: before any allocation, checks that a dataset's bytes are stored in this file and cover its shape.
import CHDF5

extension Dataset {
    /// Largest ratio of inflated to stored bytes that a deflate stream can reach (RFC 1951's longest match, 258
    /// bytes, coded in as little as 2 bits gives at most 1032:1). A filtered chunk claiming more is corrupt.
    public static let maxInflateRatio = 1_032

    /// Checks, before any allocation, that the file holds what the dataset claims:
    /// - no external raw storage (bytes in another file) and no virtual layout (data in other datasets or files);
    /// - only the deflate, shuffle and fletcher32 filters, and only when this libhdf5 has them;
    /// - contiguous: the full extent is written and lies inside the file; compact: the stored size is the extent;
    /// - chunked: every chunk is stored (none left to fill values) inside the file, unfiltered chunks at their full
    ///   size and filtered ones within the deflate ratio of it.
    public func validateStorage() throws {
        let dcpl = H5Dget_create_plist(handle.id)
        guard dcpl >= 0 else { throw fail("cannot read the dataset's creation properties") }
        defer { H5Pclose(dcpl) }
        if H5Pget_external_count(dcpl) != 0 {
            throw fail("external raw storage (the data lives in another file): a model file must be self-contained")
        }
        let layout = H5Pget_layout(dcpl)
        if layout == H5D_VIRTUAL {
            throw fail("virtual dataset (the data lives in other datasets or files): not allowed")
        }
        let filtered = try checkFilters(dcpl)
        guard let esize = dtype.size else { return }
        let (claimed, overflow) = count.multipliedReportingOverflow(by: esize)
        if overflow { throw fail("dataset claims \(shape) elements, which overflows") }
        let fileSize = file.sizeOnDisk
        let stored = storageSize
        if fileSize > 0 && stored > fileSize {
            throw fail("dataset claims \(stored) bytes of storage but the file holds only \(fileSize) bytes")
        }
        if claimed == 0 { return }
        switch layout {
        case H5D_CONTIGUOUS: try checkContiguous(claimed: claimed, stored: stored, fileSize: fileSize)
        case H5D_COMPACT:
            if stored != claimed {
                throw fail("compact dataset claims \(claimed) bytes but stores \(stored)")
            }
        case H5D_CHUNKED: try checkChunks(dcpl, esize: esize, claimed: claimed, filtered: filtered, fileSize: fileSize)
        default: throw fail("unknown storage layout \(layout.rawValue)")
        }
    }

    func fail(_ message: String) -> HDF5Error { HDF5Error(file: file.path, path: path, message) }

    /// Refuses filters other than deflate, shuffle and fletcher32; returns whether any filter is set.
    private func checkFilters(_ dcpl: hid_t) throws -> Bool {
        let n = H5Pget_nfilters(dcpl)
        guard n >= 0, n <= 8 else { throw fail("unreadable filter pipeline (\(n) filters)") }
        for i in 0..<UInt32(n) {
            var flags: UInt32 = 0, nelmts = 0, config: UInt32 = 0
            let id = H5Pget_filter2(dcpl, i, &flags, &nelmts, nil, 0, nil, &config)
            guard id == 1 || id == 2 || id == 3 else {
                throw fail("filter \(id) is not supported (deflate, shuffle and fletcher32 only)")
            }
            guard H5Zfilter_avail(id) > 0 else { throw fail("filter \(id) is not available in this libhdf5") }
        }
        return n > 0
    }

    private func checkContiguous(claimed: Int, stored: Int, fileSize: Int) throws {
        if stored < claimed {
            throw fail("dataset claims \(count) \(dtype) elements (\(claimed) bytes) but only \(stored) bytes are stored")
        }
        guard fileSize > 0 else { return }
        if claimed > fileSize {
            throw fail("dataset claims \(count) \(dtype) elements (\(claimed) bytes), more than the whole file (\(fileSize) bytes)")
        }
        let offset = H5Dget_offset(handle.id)
        guard offset != ch5_haddr_undef() else { throw fail("dataset storage was never written") }
        let (end, o) = Int(clamping: offset).addingReportingOverflow(claimed)
        if o || end > fileSize {
            throw fail("dataset data runs past the end of the file (offset \(offset) + \(claimed) bytes > \(fileSize)): the file is truncated")
        }
    }
}
