// PruneError: a bad prune request (target, index, criterion, data), as one clear message.
public struct PruneError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
