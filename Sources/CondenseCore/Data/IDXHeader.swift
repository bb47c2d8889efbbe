// IDXHeader: an IDX file's magic and dims read without reading the file (pread for a plain file, the first inflated
// bytes of a gzip one), checked against the bytes present before anything is sized by them.
import Foundation

struct IDXHeader: Equatable {
    /// The dimensions declared, outermost first (uint8 elements).
    let dims: [Int]
    /// Whether the file is gzip-compressed (the header and payload are its inflated bytes).
    let gzip: Bool
    /// Bytes of the magic and dims: the payload starts here.
    var headerBytes: Int { 4 + 4 * dims.count }
    var rows: Int { dims[0] }
    /// Elements per row (the product of the dims after the first) and in all; checked against overflow.
    let features: Int
    let payloadBytes: Int

    /// The magic IDX images have: uint8 elements, 2 to 4 dims.
    static let imageRanks = 2...4

    /// Parses the header at the start of `bytes` (at least the magic and every dim, else an error naming `source`):
    /// element type uint8 and a rank in `ranks`.
    static func parse(_ bytes: [UInt8], ranks: ClosedRange<Int>, gzip: Bool, source: String) throws -> IDXHeader {
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08, ranks.contains(Int(bytes[3])) else {
            let magic = ranks.count == 1 ? "0x0000080\(ranks.lowerBound)" : "0x0000080{\(ranks.map(String.init).joined(separator: ","))}"
            throw DataError(source, expected: "an IDX file of uint8 \(ranks.lowerBound == 1 ? "labels" : "images") (magic \(magic))",
                            found: bytes.count < 4 ? "\(bytes.count) bytes" : "magic bytes \(bytes.prefix(4).map { String($0) })")
        }
        let rank = Int(bytes[3]), header = 4 + 4 * rank
        guard bytes.count >= header else {
            throw DataError(source, expected: "a \(header)-byte IDX header (magic and \(rank) big-endian dims)", found: "\(bytes.count) bytes")
        }
        let dims = (0..<rank).map { d in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) } }
        var features = 1
        for v in dims.dropFirst() {
            let (p, o) = features.multipliedReportingOverflow(by: v)
            guard !o else { throw DataError(source, expected: "IDX dims whose product fits in memory", found: "dims \(dims)") }
            features = p
        }
        let (total, o) = dims[0].multipliedReportingOverflow(by: features)
        guard !o else { throw DataError(source, expected: "IDX dims whose product fits in memory", found: "dims \(dims)") }
        return IDXHeader(dims: dims, gzip: gzip, features: features, payloadBytes: total)
    }

    /// The header of the IDX file `path` (plain or gzip), checked against the file: a plain file must hold exactly
    /// the payload its dims declare; a gzip one can hold at most deflate's 1032:1 of its size (so a header claiming
    /// huge dims is refused before any pass over the file).
    static func read(_ path: String, ranks: ClosedRange<Int>) throws -> IDXHeader {
        let file = try MappedFile(path)
        let want = min(file.count, 4 + 4 * ranks.upperBound)
        var prefix = [UInt8](repeating: 0, count: want)
        if want > 0 { try file.read(&prefix, bytes: want, at: 0) }
        guard Gzip.isGzip(prefix) else {
            let h = try parse(prefix, ranks: ranks, gzip: false, source: path)
            try h.check(payload: file.count - h.headerBytes, source: path)
            return h
        }
        var inflated: [UInt8] = []
        try Gzip.stream(path) { chunk in
            inflated.append(contentsOf: chunk.prefix(4 + 4 * ranks.upperBound - inflated.count))
            return inflated.count < 4 + 4 * ranks.upperBound
        }
        let h = try parse(inflated, ranks: ranks, gzip: true, source: path)
        let (most, o) = file.count.multipliedReportingOverflow(by: Self.maxInflateRatio)
        if !o && h.headerBytes + h.payloadBytes > most + 64 {
            throw DataError(path, expected: "IDX dims whose \(h.payloadBytes) payload bytes a \(file.count)-byte gzip file can hold (at most \(Self.maxInflateRatio)× its size)",
                            found: "dims \(h.dims) (the header claims more than the file can inflate to)")
        }
        return h
    }

    /// Deflate's largest ratio of inflated to compressed bytes (RFC 1951: a 258-byte match in as little as 2 bits).
    static let maxInflateRatio = 1_032

    /// Throws the whole read's error when `payload` bytes follow the header but the dims declare another count.
    func check(payload: Int, source: String) throws {
        if payload < payloadBytes {
            throw DataError(source, expected: "\(payloadBytes) payload bytes for dims \(dims)", found: "only \(max(payload, 0)) (truncated IDX payload)")
        }
        if payload > payloadBytes {
            throw DataError(source, expected: "\(payloadBytes) payload bytes for dims \(dims)", found: "\(payload) (declared count disagrees with payload size)")
        }
    }

    /// The header's own bytes (magic and big-endian dims), to compare with what a later pass inflates.
    var bytes: [UInt8] {
        [0, 0, 0x08, UInt8(dims.count)] + dims.flatMap { d in (0..<4).map { UInt8(truncatingIfNeeded: d >> (24 - 8 * $0)) } }
    }
}
