// Vocabulary: the ordered characters (Unicode scalars) of a character-level language model, with encode and decode.
public struct Vocabulary: Equatable, Sendable {
    /// Token id i is `scalars[i]`.
    public let scalars: [Unicode.Scalar]
    private let index: [Unicode.Scalar: Int32]
    /// Fast path for scalars below 256: id, or -1 when absent.
    private let latin: [Int32]

    public init(scalars: [Unicode.Scalar], source: String = "vocabulary") throws {
        guard !scalars.isEmpty else { throw DataError(source, expected: "at least one character", found: "none") }
        guard scalars.count <= Int(Int32.max) else {
            throw DataError(source, expected: "at most \(Int32.max) characters", found: "\(scalars.count)")
        }
        var index: [Unicode.Scalar: Int32] = [:]
        var latin = [Int32](repeating: -1, count: 256)
        for (i, s) in scalars.enumerated() {
            if let previous = index[s] {
                throw DataError(source, expected: "distinct characters",
                                found: "\(Vocabulary.quote(s)) at positions \(previous) and \(i)")
            }
            index[s] = Int32(i)
            if s.value < 256 { latin[Int(s.value)] = Int32(i) }
        }
        self.scalars = scalars
        self.index = index
        self.latin = latin
    }

    /// Each Unicode scalar of `characters`, in order (e.g. SPLITS.json's "vocabulary" string).
    public init(characters: String, source: String = "vocabulary") throws {
        try self.init(scalars: Array(characters.unicodeScalars), source: source)
    }

    public var count: Int { scalars.count }

    public func id(of scalar: Unicode.Scalar) -> Int32? {
        scalar.value < 256 ? (latin[Int(scalar.value)] >= 0 ? latin[Int(scalar.value)] : nil) : index[scalar]
    }

    /// Token ids of `text`; an unknown character is an error naming it and its scalar offset in `text`.
    public func encode(_ text: String, source: String = "text") throws -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count)
        var offset = 0
        for s in text.unicodeScalars {
            guard let id = id(of: s) else {
                throw DataError(source, expected: "only characters of the \(count)-character vocabulary",
                                found: "unknown character \(Vocabulary.quote(s)) at offset \(offset)")
            }
            ids.append(id)
            offset += 1
        }
        return ids
    }

    /// The text of `ids`; an id outside 0..<count is an error naming it and its position.
    public func decode(_ ids: [Int32], source: String = "token ids") throws -> String {
        var out = String.UnicodeScalarView()
        for (i, id) in ids.enumerated() {
            guard id >= 0, Int(id) < scalars.count else {
                throw DataError(source, expected: "token ids in 0..<\(count)", found: "id \(id) at position \(i)")
            }
            out.append(scalars[Int(id)])
        }
        return String(out)
    }

    public static func == (a: Vocabulary, b: Vocabulary) -> Bool { a.scalars == b.scalars }

    /// A character as it reads in a message: quoted, escaped, with its code point.
    static func quote(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        return "\"\(s.escaped(asASCII: true))\" (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex))"
    }
}
