// Gzip+Stream: inflates a gzip file front to back through fixed buffers (1 MiB read with pread(2), 1 MiB inflated),
// handing each inflated chunk on, with the whole inflation's errors (truncated, corrupt, CRC-32 or length mismatch,
// trailing bytes); memory never depends on the file's size or on what its trailer claims.
import CZlibSystem

extension Gzip {
    /// Bytes inflated per chunk handed to `stream`'s body.
    static let streamChunkBytes = 1 << 20

    /// Inflates the gzip file `path` (one or more members, as `cat a.gz b.gz` makes) front to back; `body` gets each
    /// inflated chunk and returns false to stop early (a header read), in which case nothing past it is checked.
    /// The CRC-32 and length of each member are checked by zlib at its end, so a caller that writes what it gets
    /// must treat its output as unfinished until this returns.
    static func stream(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        let file = try MappedFile(path)
        var magic: [UInt8] = [0, 0]
        if file.count >= 2 { try file.read(&magic, bytes: 2, at: 0) }
        guard file.count >= 2, magic == [0x1F, 0x8B] else {
            throw DataError(path, expected: "gzip magic 1f 8b", found: file.count == 0 ? "an empty file" : file.count < 2 ? "a 1-byte file" : magicText(magic))
        }
        var strm = z_stream()
        guard inflateInit2_(&strm, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(path, expected: "zlib to initialise", found: "inflateInit2 failed")
        }
        defer { inflateEnd(&strm) }
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: streamChunkBytes)
        defer { out.deallocate() }
        struct Stop: Error {}
        var ended = false, produced = 0
        do {
            try file.stream { raw, at in
                strm.next_in = UnsafeMutablePointer(mutating: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
                strm.avail_in = UInt32(raw.count)
                var full = false
                while strm.avail_in > 0 || (full && !ended) {
                    let consumed = at + raw.count - Int(strm.avail_in)
                    if ended {
                        // Another member may follow; anything else after the last one is an error.
                        let next = strm.next_in!
                        guard next[0] == 0x1F, strm.avail_in < 2 || next[1] == 0x8B else {
                            throw DataError(path, expected: "end of file after the gzip stream",
                                            found: "\(file.count - consumed) trailing bytes at offset \(consumed)")
                        }
                        inflateReset(&strm)
                        ended = false
                    }
                    strm.next_out = out
                    strm.avail_out = UInt32(streamChunkBytes)
                    let status = CZlibSystem.inflate(&strm, Z_NO_FLUSH)
                    let n = streamChunkBytes - Int(strm.avail_out)
                    full = strm.avail_out == 0
                    produced += n
                    if n > 0, try !body(UnsafeRawBufferPointer(start: out, count: n)) { throw Stop() }
                    switch status {
                    case Z_OK: continue
                    case Z_STREAM_END: ended = true
                    case Z_BUF_ERROR: break   // no progress without more input (or room): the next chunk
                    case Z_DATA_ERROR:
                        let msg = strm.msg.map { String(cString: $0) } ?? "invalid data"
                        throw DataError(path, expected: "a valid gzip stream",
                                        found: "corrupt gzip data (zlib: \(msg)) near compressed byte \(at + raw.count - Int(strm.avail_in))")
                    default: throw DataError(path, expected: "zlib inflate to succeed", found: "zlib status \(status)")
                    }
                    if status == Z_BUF_ERROR && !full { break }
                }
            }
        } catch is Stop { return }
        if !ended { throw truncated(path, consumed: file.count, produced: produced) }
    }
}
