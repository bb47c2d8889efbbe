// Dataset+Chunks: a chunked dataset's chunk index checked against its shape and the file before reading.
import CHDF5

extension Dataset {
    /// Every chunk the extent needs must be stored, inside the file, at a size that can hold (unfiltered: equals;
    /// filtered: within `maxInflateRatio` of) the chunk's bytes. So a read never yields fill values for data that
    /// was never written, and never inflates far beyond what the file holds.
    func checkChunks(_ dcpl: hid_t, esize: Int, claimed: Int, filtered: Bool, fileSize: Int) throws {
        let rank = shape.count
        var cdims = [hsize_t](repeating: 0, count: max(rank, 1))
        guard H5Pget_chunk(dcpl, Int32(rank), &cdims) == Int32(rank) else { throw fail("cannot read the chunk shape") }
        var expected = 1, chunkBytes = esize
        for (d, c) in zip(shape, cdims.prefix(rank)) {
            guard let c = Int(exactly: c), c >= 1 else { throw fail("chunk dimension \(c) is not a positive size") }
            let (e, o1) = expected.multipliedReportingOverflow(by: (d + c - 1) / c)
            let (b, o2) = chunkBytes.multipliedReportingOverflow(by: c)
            guard !o1, !o2 else { throw fail("chunk shape \(cdims.prefix(rank)) over \(shape) overflows") }
            expected = e; chunkBytes = b
        }
        // An index entry takes well over one byte, so a file of N bytes cannot index more than N chunks.
        if fileSize > 0 && expected > fileSize {
            throw fail("dataset needs \(expected) chunks, more than the file (\(fileSize) bytes) can index")
        }
        let space = H5Dget_space(handle.id)
        guard space >= 0 else { throw fail("cannot read the dataspace") }
        defer { H5Sclose(space) }
        var stored: hsize_t = 0
        guard H5Dget_num_chunks(handle.id, space, &stored) >= 0 else { throw fail("cannot read the chunk index") }
        guard stored == hsize_t(expected) else {
            throw fail("only \(stored) of the \(expected) chunks are stored (the rest would read as fill values)")
        }
        var offset = [hsize_t](repeating: 0, count: max(rank, 1))
        for i in 0..<stored {
            var mask: UInt32 = 0, addr: haddr_t = 0, size: hsize_t = 0
            guard H5Dget_chunk_info(handle.id, space, i, &offset, &mask, &addr, &size) >= 0 else {
                throw fail("cannot read chunk #\(i) of the chunk index")
            }
            try checkChunk(i, addr: addr, size: size, unfiltered: !filtered, chunkBytes: chunkBytes, fileSize: fileSize)
        }
    }

    private func checkChunk(_ i: hsize_t, addr: haddr_t, size: hsize_t, unfiltered: Bool, chunkBytes: Int, fileSize: Int) throws {
        guard addr != ch5_haddr_undef(), let a = Int(exactly: addr), let s = Int(exactly: size) else {
            throw fail("chunk #\(i) has no valid address in the file")
        }
        let (end, o) = a.addingReportingOverflow(s)
        if fileSize > 0 && (o || end > fileSize) {
            throw fail("chunk #\(i) (offset \(a), \(s) bytes) runs past the end of the file (\(fileSize) bytes)")
        }
        if unfiltered && s != chunkBytes {
            throw fail("unfiltered chunk #\(i) stores \(s) bytes; a chunk holds \(chunkBytes)")
        }
        if !unfiltered && s.multipliedReportingOverflow(by: Self.maxInflateRatio).partialValue + 64 < chunkBytes {
            throw fail("filtered chunk #\(i) stores \(s) bytes but claims \(chunkBytes) inflated, beyond deflate's 1032:1 limit")
        }
    }
}
