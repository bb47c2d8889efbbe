// MappedFile: a read-only private mapping of a whole file and its open descriptor (one owner; unmapped and closed in
// deinit), read through the mapping for random windows and blocks, and with pread(2) for scattered rows and
// front-to-back passes.
import Foundation

/// A read-only private mapping of a whole file, unmapped (and its descriptor closed) when the last reference goes.
final class MappedFile {
    let base: UnsafeRawPointer
    let count: Int
    let path: String
    /// Kept open for `read(_:bytes:at:)`.
    private let fd: Int32

    init(_ path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw DataError(path, expected: "a readable file", found: String(cString: strerror(errno)))
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw DataError(path, expected: "a regular file", found: "a special file (device, FIFO or socket)")
        }
        self.fd = fd
        count = Int(st.st_size)
        if count == 0 { base = UnsafeRawPointer(bitPattern: 1)!; return }   // nothing to map; never read
        guard let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            close(fd)
            throw DataError(path, expected: "a file that can be memory-mapped", found: String(cString: strerror(errno)))
        }
        // Windows are sampled at random: no readahead or fault-around, so that each window maps only its own pages
        // (without this, a fault maps the whole large folio around it, and a few hundred windows map the file).
        _ = madvise(p, count, MADV_RANDOM)
        base = UnsafeRawPointer(p)
    }

    deinit {
        if count > 0 { munmap(UnsafeMutableRawPointer(mutating: base), count) }
        close(fd)
    }

    /// Reads bytes at ..< at + bytes into `dst` with pread(2) (the range must lie inside the file); an error names the
    /// file and where it now ends.
    func read(_ dst: UnsafeMutableRawPointer, bytes: Int, at: Int) throws {
        precondition(at >= 0 && bytes >= 0 && at <= count - bytes, "MappedFile.read: range outside the file")
        var got = 0
        while got < bytes {
            let n = pread(fd, dst + got, bytes - got, off_t(at + got))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw DataError(path, expected: "\(count) readable bytes (as when it was opened)",
                                found: n == 0 ? "the file ends at byte \(at + got)" : String(cString: strerror(errno)))
            }
            got += n
        }
    }

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
        try stream(from: 0, bytes: count, chunk: Self.chunkBytes, body)
    }

    /// Reads bytes start ..< start + bytes in chunks of `chunk` bytes (the last may be shorter) with pread(2);
    /// `body` gets each chunk and its offset in the file. Requires the range to lie inside the file.
    func stream(from start: Int, bytes: Int, chunk: Int, _ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        precondition(start >= 0 && bytes >= 0 && start <= count - bytes && chunk > 0, "MappedFile.stream: range outside the file")
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DataError(path, expected: "a readable file", found: String(cString: strerror(errno))) }
        defer { close(fd) }
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buf.deallocate() }
        var at = start
        let end = start + bytes
        while at < end {
            let want = min(chunk, end - at)
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
