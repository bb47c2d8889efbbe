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
