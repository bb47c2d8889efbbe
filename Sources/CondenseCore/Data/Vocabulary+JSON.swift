// Vocabulary+JSON: the model file's `vocabulary` attribute form, a JSON array of one-character strings.
import Foundation

extension Vocabulary {
    /// E.g. `["\n"," ","!",…]`; the order is the token order.
    public func toJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try! encoder.encode(scalars.map { String($0) })  // [String] always encodes
        return String(decoding: data, as: UTF8.self)
    }

    public init(json: String, source: String = "vocabulary") throws {
        let strings: [String]
        do {
            strings = try JSONDecoder().decode([String].self, from: Data(json.utf8))
        } catch {
            throw DataError(source, expected: "a JSON array of one-character strings",
                            found: "\(json.prefix(60))\(json.count > 60 ? "…" : "")")
        }
        var scalars: [Unicode.Scalar] = []
        for (i, s) in strings.enumerated() {
            let u = Array(s.unicodeScalars)
            guard u.count == 1 else {
                throw DataError(source, expected: "one character per array element",
                                found: "\(u.count) characters at index \(i): \(s.debugDescription)")
            }
            scalars.append(u[0])
        }
        try self.init(scalars: scalars, source: source)
    }
}
