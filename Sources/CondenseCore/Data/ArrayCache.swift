// ArrayCache: labelled arrays converted once (a CSV, an .npz member, a gzip IDX, a chunked HDF5 dataset) into a raw
// file keyed by the source's SHA-256, x (float32, or IDX bytes) then any float64 labels behind a 128-byte header,
// written atomically into the tool's cache folder and memory-mapped on every later read.
import Crypto
import Foundation

public enum ArrayCache {
    /// The cache folder: CONDENSE_CACHE_DIR, else $XDG_CACHE_HOME/condense/arrays, else ~/.cache/condense/arrays.
    public static let environmentKey = "CONDENSE_CACHE_DIR"
    static let magic = Array("CNDSARR1".utf8)
    static let version: UInt32 = 1
    static let headerBytes = 128
    /// The element codings an entry's x may have, by their code at header byte 104 (0 in entries written before it).
    static let codings: [ElementCoding] = [.float32, .unitByte]

    /// A folder that replaces the environment's for the current task (tests use a temporary one).
    @TaskLocal public static var folder: String?

    public static var directory: String {
        if let f = folder { return f }
        let env = ProcessInfo.processInfo.environment
        if let d = env[environmentKey], !d.isEmpty { return d }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return x + "/condense/arrays" }
        return NSHomeDirectory() + "/.cache/condense/arrays"
    }

    /// The entry's key: SHA-256 over the cache version, the reader and its parameters, and the sources' SHA-256s.
    static func key(reader: String, parameters: [String], sources: [String]) throws -> String {
        var h = SHA256()
        h.update(data: Data("condense-array-cache \(version)\n\(reader)\n".utf8))
        for p in parameters { h.update(data: Data("\(p.utf8.count):\(p)\n".utf8)) }
        for s in sources { h.update(data: Data(try fileDigest(s).utf8)) }
        return Digest.hex(h.finalize())
    }

    /// SHA-256 of a file's bytes, read with pread(2) in 1 MiB chunks.
    static func fileDigest(_ path: String) throws -> String {
        let file = try MappedFile(path)
        var h = SHA256()
        try file.stream { raw, _ in h.update(bufferPointer: raw) }
        return Digest.hex(h.finalize())
    }

    /// The path of the entry for `key`.
    static func path(_ key: String) -> String { directory + "/" + key + ".arrays" }

    /// The entry for `key` as x (mapped, `source` named in errors) and its labels (none for an x-only entry), when it
    /// exists and is intact; else nil.
    static func open(_ key: String, source: String) throws -> (x: MappedMatrix, y: [Double])? {
        let p = path(key)
        guard FileManager.default.fileExists(atPath: p), let file = try? MappedFile(p), file.count >= headerBytes else { return nil }
        let h = UnsafeRawBufferPointer(start: file.base, count: headerBytes)
        guard h.prefix(8).elementsEqual(magic), h.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian == version,
              String(decoding: h[32..<96], as: UTF8.self) == key else { return nil }
        let word = { (at: Int) in Int(truncatingIfNeeded: h.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian) }
        let rows = word(16), features = word(24), labels = word(96)
        let code = Int(h.loadUnaligned(fromByteOffset: 104, as: UInt32.self).littleEndian)
        guard code < codings.count, rows > 0, features > 0, rows <= file.count, features <= file.count, labels == 0 || labels == rows else { return nil }
        let coding = codings[code], size = coding.itemSize
        let (cells, o) = rows.multipliedReportingOverflow(by: features)
        guard !o, cells <= file.count / size, headerBytes + size * cells + 8 * labels == file.count else { return nil }
        let yAt = headerBytes + size * cells
        var y = [Double](repeating: 0, count: labels)
        y.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: file.base + yAt, count: 8 * labels)) }
        file.release(from: yAt, bytes: 8 * labels)
        let x = try MappedMatrix(path: p, offset: headerBytes, rows: rows, columns: features, coding: coding, source: source)
        return (x, y)
    }

    /// Writes the entry for `key` atomically: `fill` gets a writer to append rows to (a label each, or none at all;
    /// `features` 0 takes the first row's width; x stored as `coding`, one of `codings`); on any error nothing is
    /// left behind. Returns the entry opened.
    static func write(_ key: String, features: Int = 0, coding: ElementCoding = .float32, source: String,
                      _ fill: (ArrayCacheWriter) throws -> Void) throws -> (x: MappedMatrix, y: [Double]) {
        let dir = directory
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw DataError(dir, expected: "a cache folder the tool can create (set \(environmentKey) to choose another)", found: "\(error.localizedDescription)")
        }
        try writeAtomically(to: path(key), recording: false) { tmp in
            let w = try ArrayCacheWriter(tmp, key: key, features: features, coding: coding)
            try fill(w)
            try w.finish()
        }
        guard let entry = try open(key, source: source) else {
            throw DataError(path(key), expected: "the array cache entry just written", found: "an unreadable file")
        }
        return entry
    }
}

/// Appends rows to a new cache file: the features go to disk in 1 MiB blocks, any labels are kept (8 bytes a row)
/// and written after them, and the header last.
final class ArrayCacheWriter {
    let fd: Int32
    /// Features per row, fixed by the first row.
    private(set) var features = 0
    let key: String
    let path: String
    /// How x is stored: float32, or IDX bytes (appended raw with `append(bytes:)`).
    let coding: ElementCoding
    private var block: [UInt8] = []
    private(set) var labels: [Double] = []
    private var written = ArrayCache.headerBytes
    private var cells = 0

    init(_ path: String, key: String, features: Int = 0, coding: ElementCoding = .float32) throws {
        precondition(ArrayCache.codings.contains(coding), "ArrayCacheWriter: coding \(coding) is not a cache coding")
        fd = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw DataError(path, expected: "a writable cache file", found: String(cString: strerror(errno))) }
        self.path = path; self.key = key; self.features = features; self.coding = coding
        block.reserveCapacity(MappedFile.chunkBytes + (1 << 16))
    }

    var rows: Int { features > 0 ? cells / features : 0 }

    /// Appends features only (an x-only float32 entry): any number of floats; the total must end on a whole row.
    func append(features x: UnsafeBufferPointer<Float>) throws {
        precondition(features > 0 && labels.isEmpty && coding.isFloat32, "ArrayCacheWriter: float features-only rows need a width and no labels")
        try add(UnsafeRawBufferPointer(x), cells: x.count)
    }

    /// Appends stored elements as they are (an x-only entry of one-byte elements): any number; the total must end
    /// on a whole row.
    func append(bytes x: UnsafeRawBufferPointer) throws {
        precondition(features > 0 && labels.isEmpty && coding.itemSize == 1, "ArrayCacheWriter: byte rows need a width, no labels and a byte coding")
        try add(x, cells: x.count)
    }

    deinit { close(fd) }

    func append(_ x: UnsafeBufferPointer<Float>, label: Double) throws {
        if labels.isEmpty && features == 0 { features = x.count }
        precondition(coding.isFloat32 && x.count == features && features > 0 && cells == labels.count * features, "ArrayCacheWriter: rows of \(features) features")
        labels.append(label)
        try add(UnsafeRawBufferPointer(x), cells: x.count)
    }

    private func add(_ bytes: UnsafeRawBufferPointer, cells n: Int) throws {
        block.append(contentsOf: bytes)
        cells += n
        if block.count >= MappedFile.chunkBytes { try flush() }
    }

    private func flush() throws {
        try block.withUnsafeBytes { try put($0, at: written) }
        written += block.count
        block.removeAll(keepingCapacity: true)
    }

    private func put(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw DataError(path, expected: "room to write the array cache", found: String(cString: strerror(errno))) }
            done += n
        }
    }

    /// Writes the labels and the header (rows, features, key, labels, coding); at least one whole row must have been
    /// appended.
    func finish() throws {
        precondition(rows > 0 && cells == rows * features, "ArrayCacheWriter: no rows, or a partial one")
        try flush()
        try labels.withUnsafeBytes { try put($0, at: written) }
        var header = [UInt8](repeating: 0, count: ArrayCache.headerBytes)
        header.replaceSubrange(0..<8, with: ArrayCache.magic)
        withUnsafeBytes(of: ArrayCache.version.littleEndian) { header.replaceSubrange(8..<12, with: $0) }
        withUnsafeBytes(of: UInt64(rows).littleEndian) { header.replaceSubrange(16..<24, with: $0) }
        withUnsafeBytes(of: UInt64(features).littleEndian) { header.replaceSubrange(24..<32, with: $0) }
        header.replaceSubrange(32..<96, with: Array(key.utf8.prefix(64)))
        withUnsafeBytes(of: UInt64(labels.count).littleEndian) { header.replaceSubrange(96..<104, with: $0) }
        let code = UInt32(ArrayCache.codings.firstIndex(of: coding)!)
        withUnsafeBytes(of: code.littleEndian) { header.replaceSubrange(104..<108, with: $0) }
        try header.withUnsafeBytes { try put($0, at: 0) }
    }
}
