// HDF5Error: the one error type of the HDF5 module; it always names the file and, where known, the object path.
public struct HDF5Error: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let path: String?
    public let message: String

    public init(file: String, path: String? = nil, _ message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        if let path { return "\(file): \(path): \(message)" }
        return "\(file): \(message)"
    }
}
