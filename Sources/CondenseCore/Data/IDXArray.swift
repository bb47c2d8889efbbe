// IDXArray: a parsed uint8 IDX file (the MNIST container): big-endian dims and a payload validated against them.
public struct IDXArray {
    /// The dimensions declared in the header, outermost first.
    public let dims: [Int]
    /// The whole (decompressed) file; the payload starts at `payloadOffset`.
    public let raw: [UInt8]
    public let payloadOffset: Int

    /// The element bytes, row-major, exactly `dims.reduce(1, *)` of them.
    public var payload: ArraySlice<UInt8> { raw[payloadOffset...] }

    /// Parses IDX bytes, requiring element type uint8 (0x08) and the given rank.
    public static func parse(_ bytes: [UInt8], rank: Int, source: String) throws -> IDXArray {
        let magic = 0x0800 | UInt32(rank)
        let expectedMagic = "IDX magic \(hex8(magic)) (uint8, \(rank) dim\(rank == 1 ? "" : "s"))"
        guard bytes.count >= 4 else {
            throw DataError(source, expected: expectedMagic, found: "a file of only \(bytes.count) bytes")
        }
        let found = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        guard found == magic else {
            throw DataError(source, expected: expectedMagic, found: "magic \(hex8(found)) (\(describe(found)))")
        }
        let header = 4 + 4 * rank
        guard bytes.count >= header else {
            throw DataError(source, expected: "a \(header)-byte IDX header (magic and \(rank) big-endian dims)",
                            found: "\(bytes.count) bytes")
        }
        var dims: [Int] = []
        var product = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let v = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            dims.append(v)
            let (p, overflow) = product.multipliedReportingOverflow(by: v)
            guard !overflow else {
                throw DataError(source, expected: "IDX dims whose product fits in memory", found: "dims \(dims)")
            }
            product = p
        }
        let payload = bytes.count - header
        if payload < product {
            throw DataError(source, expected: "\(product) payload bytes for dims \(dims)",
                            found: "only \(payload) (truncated IDX payload)")
        }
        if payload > product {
            throw DataError(source, expected: "\(product) payload bytes for dims \(dims)",
                            found: "\(payload) (declared count disagrees with payload size)")
        }
        return IDXArray(dims: dims, raw: bytes, payloadOffset: header)
    }

    /// Reads and parses an IDX file, gzip-compressed or not. A compressed file is inflated in two steps: its header
    /// first, then at most the header plus the payload its dims imply, so no stream inflates past its declared size.
    public static func read(_ path: String, rank: Int) throws -> IDXArray {
        let stored = try Gzip.readRaw(path)
        guard Gzip.isGzip(stored) else { return try parse(stored, rank: rank, source: path) }
        let header = 4 + 4 * rank
        let prefix = try Gzip.inflate(stored, source: path, limit: header, prefixOnly: true)
        guard prefix.count >= header else { return try parse(prefix, rank: rank, source: path) }
        var product = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let v = Int(prefix[o]) << 24 | Int(prefix[o + 1]) << 16 | Int(prefix[o + 2]) << 8 | Int(prefix[o + 3])
            let (p, overflow) = product.multipliedReportingOverflow(by: v)
            guard !overflow, p <= Gzip.defaultLimit else {
                throw DataError(path, expected: "IDX dims implying at most \(Gzip.defaultLimit) bytes", found: "dims whose product is larger")
            }
            product = p
        }
        return try parse(Gzip.inflate(stored, source: path, limit: header + product), rank: rank, source: path)
    }

    private static func hex8(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
    }

    private static func describe(_ magic: UInt32) -> String {
        guard magic >> 16 == 0 else { return "not an IDX file" }
        let types: [UInt32: String] = [0x08: "uint8", 0x09: "int8", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32", 0x0E: "float64"]
        let type = types[(magic >> 8) & 0xFF] ?? "unknown type 0x\(String((magic >> 8) & 0xFF, radix: 16))"
        return "\(type), \(magic & 0xFF) dims"
    }
}
