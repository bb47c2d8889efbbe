// ArrayCache+IDX: the images of an IDX file as a mapped matrix of bytes scaled by 1/255: a plain file's payload mapped
// in place, a gzip file inflated in one streaming pass into the array cache (its bytes as they are) and mapped there.
import Foundation

extension ArrayCache {
    /// The images of `path` (its header `h`, already checked against the file) as a matrix: mapped in place when the
    /// file is plain; else the entry for its bytes, converted on first use.
    static func idxImages(_ path: String, header h: IDXHeader) throws -> MappedMatrix {
        guard h.gzip else {
            return try MappedMatrix(path: path, offset: h.headerBytes, rows: h.rows, columns: h.features, coding: .unitByte, source: path)
        }
        let key = try key(reader: "idx-images", parameters: [], sources: [path])
        if let entry = try open(key, source: path) { return entry.x }
        return try write(key, features: h.features, coding: .unitByte, source: path) { w in
            try inflateIDX(path, header: h, into: w)
        }.x
    }

    /// Inflates the gzip IDX file again and appends its payload to `w`: the inflated header must be `h`'s, and the
    /// payload exactly the bytes its dims declare (the whole read's errors); the gzip CRC-32 and length are checked
    /// at the end of the stream, before the entry is renamed into place.
    private static func inflateIDX(_ path: String, header h: IDXHeader, into w: ArrayCacheWriter) throws {
        let expected = h.bytes
        var seen = 0, payload = 0
        try Gzip.stream(path) { chunk in
            var body = UnsafeRawBufferPointer(chunk)
            if seen < expected.count {
                let k = min(expected.count - seen, body.count)
                guard body.prefix(k).elementsEqual(expected[seen..<(seen + k)]) else {
                    throw DataError(path, expected: "the IDX header \(h.dims) read before", found: "another header (the file changed)")
                }
                body = UnsafeRawBufferPointer(rebasing: body[k...])
            }
            seen += chunk.count
            guard payload + body.count <= h.payloadBytes else {
                throw DataError(path, expected: "\(h.payloadBytes) payload bytes for dims \(h.dims)",
                                found: "more (declared count disagrees with payload size)")
            }
            if !body.isEmpty { try w.append(bytes: body) }
            payload += body.count
            return true
        }
        try h.check(payload: payload, source: path)
    }
}
