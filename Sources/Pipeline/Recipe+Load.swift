// Recipe+Load: reads a recipe file (overrides only), applies --set, merges every section over its defaults, decodes it.
import CondenseCore
import Distill
import Foundation
import Prune
import Quantize

/// The top-level keys of a recipe other than `stages`, with their defaults.
struct RecipeHeader: Codable {
    var teacher = TeacherSpec()
    var teachers: [TeacherMember] = []
    var student = ""
    var data = RecipeData()
    var seed: UInt64 = 1337
    var output = ""
    var report = ReportOptions()
}

extension Recipe {
    /// The top-level keys, in the order the resolved recipe lists them.
    static let topLevelKeys = ["teacher", "teachers", "student", "data", "seed", "output", "stages", "report"]

    /// Reads, overrides (`--set key.path=value`; `distill.alpha=0.5` addresses the distill stage), resolves and
    /// validates a recipe. Every problem is a `FormatError` naming the file, the key, the line, what was expected
    /// and what was found. `output` (from `--output`) replaces the recipe's output folder.
    public static func load(path: String, overrides: [String] = [], output: String? = nil) throws -> Recipe {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw FormatError(file: path, "cannot read the recipe file (does it exist?)")
        }
        return try load(yaml: text, file: path, overrides: overrides, output: output)
    }

    public static func load(yaml: String, file: String, overrides: [String] = [], output: String? = nil) throws -> Recipe {
        var doc = try ConfigDocument(yaml: yaml, file: file)
        try applyOverrides(overrides, to: &doc)
        var recipe = try decode(doc)
        if let output { recipe.output = output }
        if recipe.output.isEmpty {
            let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            recipe.output = "runs/" + base
        }
        try recipe.validate()
        return recipe
    }

    /// `--set` overrides: a key path that starts with a stage name goes into that stage's options.
    static func applyOverrides(_ overrides: [String], to doc: inout ConfigDocument) throws {
        for o in overrides {
            let head = String(o.prefix { $0 != "." && $0 != "=" })
            guard let kind = StageKind(rawValue: head) else { try doc.apply(overrides: [o]); continue }
            guard case .array(var items) = doc.tree["stages"] ?? .array([]),
                  let i = items.firstIndex(where: { stageEntry($0)?.name == head }) else {
                let present = stageNames(doc.tree)
                throw FormatError(file: "--set \(o)", path: head,
                                  "the recipe has no \(kind.rawValue) stage (its stages: \(present.isEmpty ? "none" : present.joined(separator: ", ")))")
            }
            if case .object(let entry) = items[i], case .null? = entry[head] { items[i] = .object([head: .object([:])]) }
            var sub = ConfigDocument(file: doc.file, tree: items[i])
            try sub.apply(overrides: [o])
            items[i] = sub.tree
            if case .object(var top) = doc.tree { top["stages"] = .array(items); doc.tree = .object(top) }
        }
    }

    static func stageNames(_ tree: JSONValue) -> [String] {
        guard case .array(let items)? = tree["stages"] else { return [] }
        return items.compactMap { stageEntry($0)?.name }
    }

    /// A stage item is a mapping with one key, the stage name: `- prune: {hidden: "25%"}`.
    static func stageEntry(_ item: JSONValue) -> (name: String, options: JSONValue)? {
        guard case .object(let o) = item, o.count == 1, let (k, v) = o.first else { return nil }
        return (k, v)
    }

    static func decode(_ doc: ConfigDocument) throws -> Recipe {
        var defaults = try JSONValue(encoding: RecipeHeader())
        if case .object(var o) = defaults { o["stages"] = .array([]); defaults = .object(o) }
        let merged = coerceScalars(try doc.merged(over: defaults), defaults)
        let header = try doc.decode(RecipeHeader.self, from: merged)
        var recipe = Recipe(file: doc.file)
        recipe.teacher = header.teacher
        try decodeTeachers(header, merged: merged, doc: doc, into: &recipe)
        recipe.student = header.student
        recipe.data = header.data
        recipe.seed = header.seed
        recipe.output = header.output
        recipe.report = header.report
        recipe.lines = doc.lines

        let stagesTree = merged["stages"] ?? .array([])
        guard case .array(let items) = stagesTree else {
            throw FormatError(file: doc.file, path: "stages",
                              "expected a list of stages (- prune: …, - distill: …, - quantize: …), found \(stagesTree)\(doc.line("stages"))")
        }
        let names = StageKind.allCases.map(\.rawValue)
        for (i, item) in items.enumerated() {
            let at = "stages[\(i)]"
            guard let (name, options) = stageEntry(item) else {
                throw FormatError(file: doc.file, path: at,
                                  "expected one stage name with its options, such as \"- prune: {hidden: \\\"25%\\\"}\", found \(item)\(doc.line(at))")
            }
            guard let kind = StageKind(rawValue: name) else {
                let hint = closestMatch(name, in: names).map { "; did you mean \"\($0)\"?" } ?? ""
                throw FormatError(file: doc.file, path: "\(at).\(name)",
                                  "unknown stage \"\(name)\"\(doc.line("\(at).\(name)"))\(hint) (stages are \(names.joined(separator: ", ")))")
            }
            switch options {
            case .object, .null: break
            default:
                throw FormatError(file: doc.file, path: "\(at).\(name)",
                                  "expected a mapping of \(name) options (or nothing, for every default), found \(options)\(doc.line("\(at).\(name)"))")
            }
            // The stage's own document: {name: options}, with its lines, so errors read "distill.alpha (line 12)".
            var sub = ConfigDocument(file: doc.file, tree: .object([name: options == .null ? .object([:]) : options]))
            sub.lines = [:]
            for (k, line) in doc.lines where k == "\(at).\(name)" || k.hasPrefix("\(at).\(name).") || k.hasPrefix("\(at).\(name)[") {
                sub.lines[String(k.dropFirst(at.count + 1))] = line
            }
            for (k, line) in sub.lines where recipe.lines[k] == nil { recipe.lines[k] = line }
            try misplacedTrainingKey(kind, options, sub)
            let base = JSONValue.object([name: try kind.defaults(seed: header.seed)])
            let tree = coerceScalars(try sub.merged(over: base), base)
            switch kind {
            case .prune: recipe.stages.append(.prune(try sub.decode([String: PruneConfig].self, from: tree)[name]!))
            case .distill:
                var c = try sub.decode([String: DistillConfig].self, from: tree)[name]!
                if !recipe.teachers.isEmpty && c.teacher_weights.isEmpty { c.teacher_weights = recipe.teachers.map(\.weight) }
                recipe.stages.append(.distill(c))
            case .quantize: recipe.stages.append(.quantize(try sub.decode([String: QuantizeConfig].self, from: tree)[name]!))
            }
        }
        return recipe
    }

    /// `teachers:`: a list of {path, weight, config}; its first member stands in as `teacher`.
    static func decodeTeachers(_ header: RecipeHeader, merged: JSONValue, doc: ConfigDocument, into recipe: inout Recipe) throws {
        guard !header.teachers.isEmpty else { return }
        if !header.teacher.path.isEmpty || !header.teacher.config.isEmpty {
            throw FormatError(file: doc.file, path: "teachers",
                              "expected either teacher (one model) or teachers (an ensemble), found both\(doc.line("teachers"))")
        }
        if case .array(let items)? = merged["teachers"] {
            for (i, item) in items.enumerated() {
                guard case .object(let o) = item else {
                    throw FormatError(file: doc.file, path: "teachers[\(i)]", "expected a mapping {path, weight, config}, found \(item)\(doc.line("teachers[\(i)]"))")
                }
                if let k = o.keys.sorted().first(where: { !TeacherMember.keys.contains($0) }) {
                    let hint = closestMatch(k, in: TeacherMember.keys).map { "; did you mean \"\($0)\"?" } ?? ""
                    throw FormatError(file: doc.file, path: "teachers[\(i)].\(k)",
                                      "unknown key \"\(k)\"\(doc.line("teachers[\(i)].\(k)"))\(hint) (a teacher has path, weight and config)")
                }
            }
        }
        for (i, t) in header.teachers.enumerated() {
            let at = "teachers[\(i)]"
            if t.path.isEmpty { throw FormatError(file: doc.file, path: at + ".path", "expected a model file, found none\(doc.line(at))") }
            if !(t.weight.isFinite && t.weight >= 0) {
                throw FormatError(file: doc.file, path: at + ".weight", "expected a finite weight ≥ 0, found \(t.weight)\(doc.line(at + ".weight"))")
            }
        }
        recipe.teachers = header.teachers
        recipe.teacher.path = header.teachers[0].path
        recipe.teacher.config = header.teachers[0].config
    }

    /// Where the default is a string and the recipe gives a number (`hidden: 300`, `--set prune.hidden=8`), the
    /// number is the string it reads as: counts and ratios are strings in the stage configs.
    static func coerceScalars(_ tree: JSONValue, _ defaults: JSONValue) -> JSONValue {
        switch (tree, defaults) {
        case (.object(let o), .object(let d)):
            return .object(o.reduce(into: [:]) { r, kv in r[kv.key] = d[kv.key].map { coerceScalars(kv.value, $0) } ?? kv.value })
        case (.number(let n), .string):
            return .string(n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n))
        default:
            return tree
        }
    }

    /// `distill: {epochs: 3}`: the budget lives under `distill.train`; say so rather than a generic unknown key.
    static func misplacedTrainingKey(_ kind: StageKind, _ options: JSONValue, _ doc: ConfigDocument) throws {
        guard kind == .distill, case .object(let o) = options,
              case .object(let top)? = try? JSONValue(encoding: DistillConfig()),
              case .object(let train)? = try? JSONValue(encoding: TrainingOptions()) else { return }
        for k in o.keys.sorted() where top[k] == nil && train[k] != nil {
            let p = "distill.\(k)"
            throw FormatError(file: doc.file, path: p,
                              "unknown key \"\(k)\"\(doc.line(p)); did you mean \"train.\(k)\"? (the optimizer and budget options sit under distill.train)")
        }
    }
}
