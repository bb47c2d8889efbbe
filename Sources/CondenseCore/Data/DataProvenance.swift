// DataProvenance: where a data set came from and what each split holds (size and SHA-256), for reports and histories.
import Crypto
import Foundation

/// One split as it was loaded.
public struct SplitRecord: Codable, Equatable, Sendable {
    /// Examples (labelled arrays) or tokens (text).
    public var size: Int
    /// "examples" or "tokens".
    public var unit: String
    /// SHA-256 of the split's content as loaded: little-endian int32 token ids, or float32 x then int32 y.
    public var sha256: String
    /// Where it came from: a file, or a fraction of one ("rows 0..<800 of the seeded permutation of data.csv").
    public var origin: String
}

public struct DataProvenance: Codable, Equatable, Sendable {
    /// The path or the demo set's name.
    public var source: String
    /// The format read (text, nanogpt, hdf5, npy, csv, idx, or the demo set's name).
    public var format: String
    /// Whether the format was detected from the content or forced by --data-format / data.format.
    public var detected: Bool
    public var splits: [String: SplitRecord]
    /// Anything a reader did that changes the content: skipped characters, a test split borrowed from val.
    public var notes: [String] = []

    public var json: JSONValue { (try? JSONValue(encoding: self)) ?? .null }
}

enum Digest {
    static func hex(_ d: SHA256.Digest) -> String { d.map { String(format: "%02x", $0) }.joined() }

    static func tokens(_ ids: [Int32]) -> String {
        var h = SHA256()
        ids.withUnsafeBytes { h.update(bufferPointer: $0) }   // little-endian on every supported CPU
        return hex(h.finalize())
    }

    /// The same digest as for the ids as an array, computed chunk by chunk.
    static func tokens(_ ids: TokenSequence) throws -> String {
        var h = SHA256()
        try ids.forEachChunk { h.update(bufferPointer: UnsafeRawBufferPointer($0)) }   // little-endian on every supported CPU
        return hex(h.finalize())
    }

    /// float32 x then int32 y, the same for a split in memory and one read chunk by chunk from a mapped file.
    static func examples(_ data: LabeledImages) throws -> String {
        var h = SHA256()
        try data.rows.forEachChunk { chunk, _ in h.update(bufferPointer: UnsafeRawBufferPointer(chunk)) }
        data.labels.withUnsafeBytes { h.update(bufferPointer: $0) }
        return hex(h.finalize())
    }
}

extension SplitRecord {
    public init(tokens: [Int32], origin: String) {
        self.init(size: tokens.count, unit: "tokens", sha256: Digest.tokens(tokens), origin: origin)
    }

    /// A split of token ids, digested in one streaming pass (a mapped file is not copied).
    public init(tokens: TokenSequence, origin: String) throws {
        self.init(size: tokens.count, unit: "tokens", sha256: try Digest.tokens(tokens), origin: origin)
    }

    public init(examples: LabeledImages, origin: String) throws {
        self.init(size: examples.count, unit: "examples", sha256: try Digest.examples(examples), origin: origin)
    }
}
