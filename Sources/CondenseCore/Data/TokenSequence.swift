// TokenSequence: a split's token ids, held as an Int32 array or as a memory-mapped file of little-endian uint16 ids
// (nanoGPT's .bin), read window by window so that a data set larger than memory is never copied whole.
import Foundation

public struct TokenSequence: Equatable, ExpressibleByArrayLiteral, @unchecked Sendable {
    enum Storage {
        case ids([Int32])
        /// `count` uint16 ids from the start of a mapping.
        case mapped(MappedFile)
    }

    let storage: Storage
    public let count: Int

    public init(_ ids: [Int32]) { storage = .ids(ids); count = ids.count }
    public init(arrayLiteral elements: Int32...) { self.init(elements) }

    /// The uint16 ids of a mapped file (2 bytes each; the caller checked the size is even).
    init(uint16: MappedFile) { storage = .mapped(uint16); count = uint16.count / 2 }

    /// Whether the ids live in a mapped file rather than in memory.
    public var isMapped: Bool { if case .mapped = storage { return true }; return false }

    /// Writes ids start ..< start + n to `dst`. Requires 0 ≤ start, start + n ≤ count.
    @inline(__always)
    public func copy(from start: Int, count n: Int, to dst: UnsafeMutablePointer<Int32>) {
        precondition(start >= 0 && n >= 0 && start <= count - n, "TokenSequence: window \(start)..<\(start + n) outside 0..<\(count)")
        switch storage {
        case .ids(let a):
            a.withUnsafeBufferPointer { dst.update(from: $0.baseAddress! + start, count: n) }
        case .mapped(let m):
            let src = m.base.advanced(by: 2 * start)
            for i in 0..<n {
                dst[i] = Int32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian)
            }
            m.release(from: 2 * start, bytes: 2 * n)
        }
    }

    /// Ids start ..< start + n as an array (a prompt, a test's expectation).
    public func slice(_ start: Int, _ n: Int) -> [Int32] {
        [Int32](unsafeUninitializedCapacity: n) { buf, k in
            if n > 0 { copy(from: start, count: n, to: buf.baseAddress!) }
            k = n
        }
    }

    /// Every id as an array: only for data known to be small.
    public var array: [Int32] { if case .ids(let a) = storage { return a }; return slice(0, count) }

    public func prefix(_ n: Int) -> [Int32] { slice(0, min(max(n, 0), count)) }

    /// Visits the ids in order, in chunks (converted to Int32 for a mapped file, which is read with pread(2) rather
    /// than through the mapping, so that a pass over a large file does not grow the resident set).
    public func forEachChunk(_ body: (UnsafeBufferPointer<Int32>) throws -> Void) throws {
        switch storage {
        case .ids(let a): try a.withUnsafeBufferPointer(body)
        case .mapped(let m):
            var buf = [Int32](repeating: 0, count: MappedFile.chunkBytes / 2)
            try m.stream { raw, _ in
                let n = raw.count / 2
                buf.withUnsafeMutableBufferPointer { b in
                    for i in 0..<n { b[i] = Int32(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) }
                }
                try buf.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<n])) }
            }
        }
    }

    public static func == (a: TokenSequence, b: TokenSequence) -> Bool {
        guard a.count == b.count else { return false }
        if case .ids(let x) = a.storage, case .ids(let y) = b.storage { return x == y }
        var equal = true, at = 0
        do {
            try a.forEachChunk { chunk in
                guard equal else { return }
                equal = b.slice(at, chunk.count).elementsEqual(chunk)
                at += chunk.count
            }
        } catch { return false }
        return equal
    }

    public static func == (a: TokenSequence, b: [Int32]) -> Bool { a == TokenSequence(b) }
}

/// A read-only private mapping of a whole file, unmapped when the last reference goes.
final class MappedFile {
    let base: UnsafeRawPointer
    let count: Int
    let path: String

    init(_ path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw DataError(path, expected: "a readable file", found: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw DataError(path, expected: "a regular file", found: "a special file (device, FIFO or socket)")
        }
        count = Int(st.st_size)
        if count == 0 { base = UnsafeRawPointer(bitPattern: 1)!; return }   // nothing to map; never read
        guard let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw DataError(path, expected: "a file that can be memory-mapped", found: String(cString: strerror(errno)))
        }
        // Windows are sampled at random: no readahead or fault-around, so that each window maps only its own pages
        // (without this, a fault maps the whole large folio around it, and a few hundred windows map the file).
        _ = madvise(p, count, MADV_RANDOM)
        base = UnsafeRawPointer(p)
    }

    deinit { if count > 0 { munmap(UnsafeMutableRawPointer(mutating: base), count) } }

    /// Span that `release` drops: a large page-cache folio is at most this big, and a fault may map all of it.
    static let releaseSpan = 2 << 20

    /// Drops this process's mappings of the pages around bytes at ..< at + bytes (the file stays in the page cache),
    /// so that sampled windows never accumulate into a resident copy of the file. On kernels with large page-cache
    /// folios (Linux 6.18 on ext4) one fault on a freshly written file maps its whole folio, MADV_RANDOM or not.
    func release(from at: Int, bytes: Int) {
        let lo = at / Self.releaseSpan * Self.releaseSpan
        let hi = min(count, (at + bytes + Self.releaseSpan - 1) / Self.releaseSpan * Self.releaseSpan)
        guard hi > lo else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + lo), hi - lo, MADV_DONTNEED)
    }

    /// Bytes per `stream` chunk (even, so a chunk never splits a uint16 id).
    static let chunkBytes = 1 << 20

    /// Reads the file front to back in full chunks (the last may be shorter) with pread(2), not through the mapping,
    /// so that a validation or digest pass over a large file leaves the process's resident set as it was.
    func stream(_ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DataError(path, expected: "a readable file", found: String(cString: strerror(errno))) }
        defer { close(fd) }
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkBytes, alignment: 16)
        defer { buf.deallocate() }
        var at = 0
        while at < count {
            let want = min(Self.chunkBytes, count - at)
            var got = 0
            while got < want {
                let n = pread(fd, buf.baseAddress! + got, want - got, off_t(at + got))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw DataError(path, expected: "\(count) readable bytes (as when it was opened)",
                                    found: n == 0 ? "the file ends at byte \(at + got)" : String(cString: strerror(errno)))
                }
                got += n
            }
            try body(UnsafeRawBufferPointer(rebasing: buf[0..<want]), at)
            at += want
        }
    }
}
