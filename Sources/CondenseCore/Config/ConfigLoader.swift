// ConfigLoader: YAML configs that hold only overrides, merged over defaults; unknown keys and bad types are clear errors.
import Foundation
import Yams

/// A config value tree read from YAML, with the line of every key, for error messages.
public struct ConfigDocument {
    public let file: String
    public var tree: JSONValue
    /// "a.b.c" → 1-based line of that key in the file.
    public var lines: [String: Int]

    /// Parses YAML text; `file` is named in errors.
    public init(yaml: String, file: String) throws {
        self.file = file
        try YAMLPrescan.check(yaml, file: file)
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch {
            throw FormatError(file: file, "YAML syntax error: \(error)")
        }
        var lines: [String: Int] = [:]
        tree = try node.map { try Self.convert($0, path: "", lines: &lines, file: file) } ?? .object([:])
        guard case .object = tree else { throw FormatError(file: file, "expected a mapping of keys at the top level") }
        self.lines = lines
    }

    public init(file: String, tree: JSONValue) {
        self.file = file; self.tree = tree; lines = [:]
    }

    private static func convert(_ node: Node, path: String, lines: inout [String: Int], file: String) throws -> JSONValue {
        switch node {
        case .mapping(let m):
            var out: [String: JSONValue] = [:]
            for (k, v) in m {
                guard let key = k.string else { throw FormatError(file: file, path: path, "keys must be strings") }
                let p = path.isEmpty ? key : path + "." + key
                if let line = k.mark?.line { lines[p] = line }
                out[key] = try convert(v, path: p, lines: &lines, file: file)
            }
            return .object(out)
        case .sequence(let s):
            return .array(try s.enumerated().map { try convert($1, path: path + "[\($0)]", lines: &lines, file: file) })
        case .scalar(let sc):
            switch node.tag.description {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return .bool(node.bool ?? false)
            case Tag.Name.int.rawValue: return .number(try exactInteger(node, sc.string, path: path, file: file))
            case Tag.Name.float.rawValue:
                guard let f = node.float, f.isFinite else {
                    throw FormatError(file: file, path: path, "expected a finite number, found \(sc.string.debugDescription)\(sc.mark.map { " (line \($0.line))" } ?? "")")
                }
                return .number(f)
            default: return .string(sc.string)
            }
        case .alias:
            throw FormatError(file: file, path: path, "YAML anchors and aliases are not supported")
        }
    }

    /// Config numbers are Doubles (JSONValue): an integer is accepted only where a Double holds it exactly,
    /// |n| ≤ 2^53. A larger one is an error, never rounded or turned into 0.
    private static func exactInteger(_ node: Node, _ text: String, path: String, file: String) throws -> Double {
        let at = node.mark.map { " (line \($0.line))" } ?? ""
        guard let i = node.int, i.magnitude <= 1 << 53 else {
            throw FormatError(file: file, path: path, "integer \(text) is out of range: at most 2^53 (9007199254740992) in magnitude\(at)")
        }
        return Double(i)
    }

    /// Applies `key.path=value` overrides (value parsed as YAML), as `--set` gives them.
    public mutating func apply(overrides: [String]) throws {
        for o in overrides {
            guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
                throw FormatError(file: file, path: o, "an override must look like key.path=value")
            }
            let keyPath = String(o[..<eq]).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard keyPath.count <= YAMLLimits.maxKeyPathSegments, !keyPath.contains(where: \.isEmpty) else {
                throw FormatError(file: file, path: String(o.prefix(80)),
                                  "--set key path must be 1 to \(YAMLLimits.maxKeyPathSegments) non-empty names joined by dots, found \(keyPath.count) segments")
            }
            let valueText = String(o[o.index(after: eq)...])
            let value = try ConfigDocument(yaml: "v: " + valueText, file: "--set \(o)").tree["v"] ?? .null
            tree = Self.setting(tree, keyPath[...], value)
        }
    }

    private static func setting(_ tree: JSONValue, _ path: ArraySlice<String>, _ value: JSONValue) -> JSONValue {
        guard let head = path.first else { return value }
        var obj: [String: JSONValue] = [:]
        if case .object(let o) = tree { obj = o }
        obj[head] = setting(obj[head] ?? .object([:]), path.dropFirst(), value)
        return .object(obj)
    }

    public func line(_ path: String) -> String { lines[path].map { " (line \($0))" } ?? "" }

    /// Deep-merges this document over `defaults`. Every key must exist in `defaults` (except below the paths in
    /// `open`); an unknown key is an error naming the closest valid key and the line.
    public func merged(over defaults: JSONValue, open: Set<String> = []) throws -> JSONValue {
        try merge(tree, defaults, path: "", open: open)
    }

    private func merge(_ over: JSONValue, _ base: JSONValue, path: String, open: Set<String>) throws -> JSONValue {
        guard case .object(let o) = over else { return over }
        guard case .object(var b) = base else {
            if open.contains(path) { return over }
            throw FormatError(file: file, path: path, "expected a single value, found a mapping\(line(path))")
        }
        for key in o.keys.sorted() {
            let p = path.isEmpty ? key : path + "." + key
            if let existing = b[key] {
                b[key] = try merge(o[key]!, existing, path: p, open: open)
            } else if open.contains(path) {
                b[key] = o[key]!
            } else {
                let hint = closestMatch(key, in: Array(b.keys)).map { "; did you mean \"\($0)\"?" } ?? "; valid keys: \(b.keys.sorted().joined(separator: ", "))"
                throw FormatError(file: file, path: p, "unknown key \"\(key)\"\(line(p))\(hint)")
            }
        }
        return .object(b)
    }

    /// Decodes a merged tree into `T`, turning decoding errors into messages with the key path and line.
    public func decode<T: Decodable>(_ type: T.Type, from tree: JSONValue) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: JSONEncoder().encode(tree))
        } catch let e as DecodingError {
            var keyPath = ""
            switch e {
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
                keyPath = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                    .replacingOccurrences(of: ".[", with: "[")
            @unknown default: break
            }
            if keyPath.isEmpty, let key = fractionalIntegerKey(T.self, tree) {
                throw FormatError(file: file, path: key, "expected an integer (≥ 0 where it is a count or a seed), found \(Self.lookup(tree, key) ?? .null)\(line(key))")
            }
            let found = Self.lookup(tree, keyPath).map { " found \($0)" } ?? ""
            throw FormatError(file: file, path: keyPath.isEmpty ? nil : keyPath,
                              "\(e.conciseDescription),\(found)\(line(keyPath))")
        }
    }

    /// Foundation reports a fractional number given for an integer field (or a negative one for an unsigned field)
    /// without its key. The culprit is the leaf whose rounding to a non-negative integer makes that error go away.
    private func fractionalIntegerKey<T: Decodable>(_: T.Type, _ tree: JSONValue) -> String? {
        func leaves(_ v: JSONValue, _ path: String) -> [String] {
            switch v {
            case .object(let o): return o.keys.sorted().flatMap { leaves(o[$0]!, path.isEmpty ? $0 : path + "." + $0) }
            case .number(let n) where n.isFinite && (n != n.rounded() || n < 0): return [path]
            default: return []
            }
        }
        func replacing(_ v: JSONValue, _ parts: ArraySlice<Substring>) -> JSONValue {
            guard let head = parts.first, case .object(var o) = v, let child = o[String(head)] else {
                if case .number(let n) = v { return .number(max(0, n.rounded())) }
                return v
            }
            o[String(head)] = replacing(child, parts.dropFirst())
            return .object(o)
        }
        for key in leaves(tree, "").prefix(64) {
            let fixed = replacing(tree, key.split(separator: ".")[...])
            do { _ = try JSONDecoder().decode(T.self, from: JSONEncoder().encode(fixed)); return key } catch let e as DecodingError {
                if case .dataCorrupted(let c) = e, c.codingPath.isEmpty { continue }
                return key
            } catch { continue }
        }
        return nil
    }

    private static func lookup(_ tree: JSONValue, _ path: String) -> JSONValue? {
        var cur: JSONValue? = tree
        for part in path.split(separator: ".") where !part.contains("[") { cur = cur?[String(part)] }
        return path.isEmpty ? nil : cur
    }
}
