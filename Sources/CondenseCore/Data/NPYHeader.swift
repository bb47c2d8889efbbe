// NPYHeader: the checked header of a .npy file (dtype, shape, where the payload starts), read from the file's first
// bytes and checked against its whole size, so that a mapped array's payload is known to be present.
import Foundation

public struct NPYHeader: Equatable, Sendable {
    public let coding: ElementCoding
    public let shape: [Int]
    /// Byte offset of the payload from the start of the file.
    public let payloadOffset: Int

    public var count: Int { shape.reduce(1, *) }

    /// The largest header Condense reads (NumPy's own reader stops at 10,000 bytes by default).
    public static let maxHeaderBytes = 65_536
    /// Bytes before the payload at most: magic, version, a 4-byte length, the header.
    static let maxPrefixBytes = 12 + maxHeaderBytes

    /// Parses the header from `prefix` (the file's first bytes: all of them, or at least `maxPrefixBytes`) of a file
    /// of `fileBytes` bytes, and checks that the payload the header declares is exactly what follows it.
    public static func parse(_ prefix: Data, fileBytes: Int, source: String) throws -> NPYHeader {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]   // \x93NUMPY
        let bytes = fileBytes, have = prefix.count
        guard bytes >= 10, have >= 10, prefix.prefix(6).elementsEqual(magic) else {
            throw DataError(source, expected: "a .npy file (magic \\x93NUMPY)", found: bytes < 10 ? "only \(bytes) bytes" : "other bytes")
        }
        let b = { (i: Int) -> Int in Int(prefix[prefix.startIndex + i]) }
        let major = b(6)
        guard (1...3).contains(major) else {
            throw DataError(source, expected: ".npy format version 1, 2 or 3", found: "version \(major).\(b(7))")
        }
        let lenBytes = major == 1 ? 2 : 4
        guard bytes >= 8 + lenBytes, have >= 8 + lenBytes else {
            throw DataError(source, expected: "a .npy header length", found: "a truncated file of \(bytes) bytes")
        }
        var headerLen = 0
        for i in 0..<lenBytes { headerLen |= b(8 + i) << (8 * i) }
        let start = 8 + lenBytes
        guard headerLen <= maxHeaderBytes else {
            throw DataError(source, expected: "a .npy header of at most \(maxHeaderBytes) bytes", found: "a declared header of \(headerLen) bytes")
        }
        guard start + headerLen <= bytes, start + headerLen <= have else {
            throw DataError(source, expected: "a .npy header of \(headerLen) bytes (as declared)", found: "a truncated file of \(bytes) bytes")
        }
        let lo = prefix.startIndex + start
        guard let header = String(data: prefix[lo..<(lo + headerLen)], encoding: .utf8) else {
            throw DataError(source, expected: "a text .npy header", found: "bytes that are not UTF-8")
        }
        let (kind, size, big, shape) = try parseHeader(header, source: source)
        var product = size
        for d in shape {
            let (p, overflow) = product.multipliedReportingOverflow(by: d)
            guard !overflow else { throw DataError(source, expected: "a shape whose size fits in memory", found: "shape \(shape)") }
            product = p
        }
        let payloadBytes = bytes - start - headerLen
        guard payloadBytes == product else {
            throw DataError(source, expected: "\(product) payload bytes for shape \(shape) of \(big ? ">" : "<")\(kind.rawValue)\(size)",
                            found: "\(payloadBytes)\(payloadBytes < product ? " (truncated)" : "")")
        }
        return NPYHeader(coding: ElementCoding(kind: kind, itemSize: size, bigEndian: big), shape: shape, payloadOffset: start + headerLen)
    }

    /// Reads and checks the header of the .npy file at `path` from its first bytes only (the payload is not read).
    public static func read(_ path: String) throws -> NPYHeader {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw DataError(path, expected: "a readable .npy file", found: FileManager.default.fileExists(atPath: path) ? "a file that cannot be read" : "no such file")
        }
        defer { try? h.close() }
        var st = stat()
        guard fstat(h.fileDescriptor, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw DataError(path, expected: "a regular .npy file", found: "a special file (device, FIFO or socket)")
        }
        let prefix = (try? h.read(upToCount: maxPrefixBytes)) ?? Data()
        return try parse(prefix, fileBytes: Int(st.st_size), source: path)
    }
}
