// DistillComparison: the typed result of `compare`: every method run at the same budget from the same student, its
// validation metric, what it saw, its wall time and its curve of validation metric against examples or tokens seen.
import CondenseCore
import Foundation

public struct DistillComparison: Codable, Sendable {
    /// One point of a method's curve: its validation metric after `seen` examples or tokens.
    public struct Point: Codable, Equatable, Sendable {
        public var seen: Int
        public var val_metric: Double
    }
    public struct Entry: Codable, Sendable {
        /// A method name, "finetune" or "scratch".
        public var method: String
        /// The method's output (its best by validation metric) on the validation split.
        public var val: EvalResult
        /// Examples or tokens the student saw (search and final run), in the comparison's `seen_unit`.
        public var seen: Int
        /// Wall seconds of its training (the search and every session of the final run).
        public var seconds: Double
        public var curve: [Point]
        /// Text: its output's samples scored by the teacher and its acceptance as the teacher's draft (nil for
        /// images, with generation_samples 0, or where the method ran without a teacher).
        public var generation: GenerationMetrics?
        /// Its output model, inside the run folder.
        public var model: String
        /// When it completed (ISO 8601): a rerun that finds it complete does not redo it, so this stays.
        public var completed: String
    }
    public var metric_kind: MetricKind
    public var seen_unit: String
    /// The method with the best validation metric (the first listed among equals): the stage's output.
    public var winner: String
    public var methods: [Entry]
}

/// What `compare` lists besides the method names: "finetune" and "scratch".
public let compareExtras = ["finetune", "scratch"]

extension DistillConfig {
    /// Every name `compare` accepts: the methods (`DistillMethodName.allCases`), then `compareExtras`.
    public static var compareNames: [String] { DistillMethodName.allCases.map(\.rawValue) + compareExtras }

    /// The config one compared method runs with: its method, the other methods' keys at their defaults, no
    /// comparison and no baseline; finetune and scratch are soft at α = 0 (T = 1, no hidden loss); the teacher-only
    /// options (augment, the cache) stay with soft and hard alone.
    public func compareConfig(_ name: String) throws -> DistillConfig {
        let method = DistillMethodName(rawValue: name) ?? .soft
        guard case .object(var mine) = try JSONValue(encoding: self),
              case .object(let defaults) = try JSONValue(encoding: DistillConfig()) else { return self }
        // A key may belong to several methods: it is reset only when none of its owners is this method.
        for (key, _) in Self.methodKeys where !Self.methodKeys.contains(where: { $0.key == key && $0.method == method }) {
            mine[key] = defaults[key]
        }
        var c = try JSONDecoder().decode(DistillConfig.self, from: Data(JSONValue.object(mine).description.utf8))
        c.method = method
        c.seed = seed   // a UInt64 the JSON round trip (Double) could round
        c.compare = []
        c.baseline = "none"
        if compareExtras.contains(name) {
            c.alpha = .fixed(0); c.temperature = .fixed(1); c.hidden_loss = .none
        }
        if !(name == "soft" || name == "hard") { c.augment = false; c.cache_teacher = false }
        return c
    }

    /// compare: known names, each once; the method left at soft; the keys of unlisted methods at their defaults; no
    /// baseline (list scratch). `validate()` then checks the ranges, and each method's own config.
    func validateCompareList() throws {
        for (i, name) in compare.enumerated() {
            if !Self.compareNames.contains(name) {
                throw ConfigError("distill", key: "compare", expected: "method names among \(Self.compareNames.joined(separator: ", "))", found: "\"\(name)\"")
            }
            if compare[..<i].contains(name) {
                throw ConfigError("distill", key: "compare", expected: "each method once", found: "\"\(name)\" twice")
            }
        }
        if method != .soft {
            throw ConfigError("distill", key: "method", expected: "the default (soft) with compare, which runs every listed method", found: method.rawValue)
        }
        if baseline != "none" {
            throw ConfigError("distill", key: "baseline", expected: "none with compare (list scratch among the methods instead)", found: "\"\(baseline)\"")
        }
        guard case .object(let mine)? = try? JSONValue(encoding: self),
              case .object(let defaults)? = try? JSONValue(encoding: DistillConfig()) else { return }
        // A key may belong to several methods: it is an error only when compare lists none of them.
        for (key, _) in Self.methodKeys where mine[key] != defaults[key] {
            let owners = Self.methodKeys.filter { $0.key == key }.map(\.method.rawValue)
            guard !owners.contains(where: compare.contains) else { continue }
            let which = owners.count == 1 ? "method \(owners[0])" : "methods \(owners.joined(separator: " and "))"
            throw ConfigError("distill", key: key, expected: "its default (\(defaults[key]?.description ?? "?")): it applies to \(which) only, which compare does not list",
                              found: mine[key]?.description ?? "?")
        }
    }
}
