// Recipe+Resolved: the resolved recipe (every default filled in) as YAML, which loads back as the same recipe.
import CondenseCore
import Foundation

extension Recipe {
    /// The recipe as a JSON tree: top-level keys, and stages as a list of one-key mappings.
    public var tree: JSONValue {
        var o: [String: JSONValue] = [:]
        if teachers.isEmpty {
            o["teacher"] = (try? JSONValue(encoding: teacher)) ?? .null
        } else {
            o["teachers"] = (try? JSONValue(encoding: teachers)) ?? .null
        }
        o["student"] = .string(student)
        o["data"] = (try? JSONValue(encoding: data)) ?? .null
        o["seed"] = .number(Double(seed))
        o["output"] = .string(output)
        o["stages"] = .array(stages.map { .object([$0.kind.rawValue: $0.config]) })
        o["report"] = (try? JSONValue(encoding: report)) ?? .null
        return .object(o)
    }

    /// YAML text of the resolved recipe, top-level keys in recipe order, nested keys sorted.
    public var resolvedYAML: String {
        var out = "# The resolved recipe: \(file) with every default filled in (condense \(Condense.version)).\n"
        out += "# condense run loads it like any recipe; its stage options are what each stage's skip check compares.\n"
        for key in Self.topLevelKeys {
            guard let v = tree[key] else { continue }
            out += Self.yaml(key: key, v, indent: 0)
        }
        return out
    }

    static func yaml(key: String, _ v: JSONValue, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        switch v {
        case .object(let o) where !o.isEmpty:
            return pad + key + ":\n" + o.keys.sorted().map { yaml(key: $0, o[$0]!, indent: indent + 2) }.joined()
        case .array(let a) where a.contains(where: { if case .object = $0 { return true }; return false }):
            var s = pad + key + ":\n"
            for item in a {
                guard case .object(let o) = item else { s += pad + "  - " + scalar(item) + "\n"; continue }
                let first = o.keys.sorted()
                for (j, k) in first.enumerated() {
                    let body = yaml(key: k, o[k]!, indent: indent + 4)
                    s += j == 0 ? pad + "  - " + body.dropFirst(indent + 4) : body
                }
            }
            return s
        default:
            return pad + key + ": " + scalar(v) + "\n"
        }
    }

    /// A flow-style YAML scalar (JSON quoting is valid YAML).
    static func scalar(_ v: JSONValue) -> String {
        switch v {
        case .object(let o) where o.isEmpty: return "{}"
        case .array(let a): return "[" + a.map(scalar).joined(separator: ", ") + "]"
        case .string(let s): return JSONValue.string(s).description
        default: return v.description
        }
    }
}
