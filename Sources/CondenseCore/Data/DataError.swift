// DataError: the one error type of the data loaders; it names the file (or source), what was expected and what was found.
public struct DataError: Error, CustomStringConvertible, Equatable {
    /// The file path, or for in-memory problems the component that found it (e.g. "ClassificationSampler").
    public let source: String
    public let expected: String
    public let found: String
    /// What to do about it, when there is something useful to say (e.g. "run tools/bootstrap").
    public let hint: String?

    public init(_ source: String, expected: String, found: String, hint: String? = nil) {
        self.source = source
        self.expected = expected
        self.found = found
        self.hint = hint
    }

    public var description: String {
        let text = "\(source): expected \(expected), found \(found)"
        if let hint { return "\(text); \(hint)" }
        return text
    }
}
