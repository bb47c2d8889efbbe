// Gzip: inflates gzip streams (one or more members) with zlib, with errors for corrupt and truncated input.
import CZlibSystem

public enum Gzip {
    /// True when the bytes start with the gzip magic 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflated bytes allowed when the caller knows no tighter bound (Fashion-MNIST's largest file is 47 MB).
    public static let defaultLimit = 1 << 30

    /// Decompresses a whole gzip file's bytes. `source` names the file in errors. Output beyond `limit` bytes is an
    /// error (a gzip bomb, or a header that understates its payload), or, with `prefixOnly`, ends the inflation and
    /// returns the first `limit` or more bytes.
    public static func inflate(_ input: [UInt8], source: String, limit: Int = defaultLimit, prefixOnly: Bool = false) throws -> [UInt8] {
        guard isGzip(input) else {
            throw DataError(source, expected: "gzip magic 1f 8b", found: magicText(input))
        }
        guard input.count <= Int(UInt32.max) else {
            throw DataError(source, expected: "a gzip file under 4 GiB", found: "\(input.count) bytes")
        }
        var out = [UInt8](repeating: 0, count: min(sizeHint(input), limit + 1))
        var produced = 0
        var strm = z_stream()
        guard inflateInit2_(&strm, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(source, expected: "zlib to initialise", found: "inflateInit2 failed")
        }
        defer { inflateEnd(&strm) }
        try input.withUnsafeBufferPointer { inBuf in
            strm.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress!)
            strm.avail_in = UInt32(inBuf.count)
            while true {
                if prefixOnly && produced >= limit { return }
                if produced > limit {
                    throw DataError(source, expected: "at most \(limit) bytes once inflated (the size its header implies)",
                                    found: "a gzip stream that inflates further (a gzip bomb, or a header that understates the payload)")
                }
                if produced == out.count { out.append(contentsOf: repeatElement(0, count: min(max(out.count, 1 << 16), limit + 1 - produced))) }
                let room = UInt32(min(out.count - produced, Int(UInt32.max)))
                let status: Int32 = out.withUnsafeMutableBufferPointer { outBuf in
                    strm.next_out = outBuf.baseAddress! + produced
                    strm.avail_out = room
                    return CZlibSystem.inflate(&strm, Z_NO_FLUSH)
                }
                produced += Int(room - strm.avail_out)
                let consumed = inBuf.count - Int(strm.avail_in)
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    if strm.avail_in == 0 { return }
                    // Another gzip member may follow (as `cat a.gz b.gz` makes); anything else is an error.
                    if strm.avail_in >= 2 && inBuf[consumed] == 0x1F && inBuf[consumed + 1] == 0x8B {
                        inflateReset(&strm)
                        continue
                    }
                    throw DataError(source, expected: "end of file after the gzip stream",
                                    found: "\(strm.avail_in) trailing bytes at offset \(consumed)")
                case Z_BUF_ERROR where strm.avail_in == 0:
                    throw truncated(source, consumed: consumed, produced: produced)
                case Z_BUF_ERROR:
                    continue  // output full; the loop grows it
                case Z_DATA_ERROR:
                    let msg = strm.msg.map { String(cString: $0) } ?? "invalid data"
                    throw DataError(source, expected: "a valid gzip stream",
                                    found: "corrupt gzip data (zlib: \(msg)) near compressed byte \(consumed)")
                default:
                    throw DataError(source, expected: "zlib inflate to succeed", found: "zlib status \(status)")
                }
            }
        }
        out.removeLast(out.count - produced)
        return out
    }

    static func truncated(_ source: String, consumed: Int, produced: Int) -> DataError {
        DataError(source, expected: "a complete gzip stream ending with its CRC-32 and size trailer",
                  found: "truncated gzip: input ended after \(consumed) compressed bytes (\(produced) bytes inflated)")
    }

    /// The output size from the trailer (ISIZE, the last member's size mod 2^32) when it is plausible.
    private static func sizeHint(_ input: [UInt8]) -> Int {
        let n = input.count
        guard n >= 18 else { return 1 << 16 }
        let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        return isize > 0 && isize <= 64 * n + (1 << 16) ? isize : max(4 * n, 1 << 16)
    }

    static func magicText(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "an empty file" }
        return bytes.prefix(4).map { hex2($0) }.joined(separator: " ")
    }

    static func hex2(_ b: UInt8) -> String {
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
    }
}
