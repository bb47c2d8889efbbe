// ConfigError: a config value out of range or in conflict: the key, what was expected and what was found. The
// command line maps the key to its flag and a recipe to its path and line; the config itself knows neither.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// The stage the config belongs to ("distill"), for the message.
    public let stage: String
    /// The config key, as the config spells it ("hard_mix", or "lr" for a training option).
    public let key: String
    public let expected: String
    public let found: String

    public init(_ stage: String, key: String, expected: String, found: String) {
        self.stage = stage; self.key = key; self.expected = expected; self.found = found
    }

    /// "expected X, found Y".
    public var message: String { "expected \(expected), found \(found)" }

    /// The same error with its key named another way (a flag, or a recipe path and line).
    public func describing(key name: String, suffix: String = "") -> String { "\(stage): \(name): \(message)\(suffix)" }

    public var description: String { describing(key: key) }
}
