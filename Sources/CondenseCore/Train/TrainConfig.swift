// TrainConfig: what `condense train CONFIG.yaml` reads: architecture, data, optimizer, budget and seed.
import Foundation

/// Optimizer, schedule and budget. Every field has a default; a config file overrides only what it names.
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var batch_size = 64
    /// Optimizer steps; when `epochs` > 0 the step count is epochs × batches per epoch instead.
    public var steps = 1000
    public var epochs = 0
    public var grad_accum = 1
    public var lr = 1e-3
    public var min_lr = 1e-4
    public var warmup_steps = 100
    public var weight_decay = 0.1
    public var beta1 = 0.9
    public var beta2 = 0.99
    public var eps = 1e-8
    /// Global gradient-norm clip; 0 disables it.
    public var grad_clip = 1.0
    /// Evaluate on the validation split every N steps (and at the end); 0 evaluates only at the end.
    public var eval_every = 250
    /// Batches per evaluation; 0 walks the whole validation split.
    public var eval_batches = 0
    /// Early stopping: end the run once this many evaluations in a row have not improved the best validation metric
    /// (best.h5 keeps the best model); 0 trains for the whole budget.
    public var patience = 0
    public var checkpoint_every = 250
    public var log_every = 10

    public init() {}
}

public struct DataOptions: Codable, Equatable, Sendable {
    /// "fashion-mnist" or "shakespeare"; ignored when `path` is given.
    public var name = "fashion-mnist"
    /// Folder of the data set; empty means the default (see docs/RECIPES.md).
    public var directory = ""
    /// A user's data file or folder, and how to read it (the fields of a recipe's `data`; docs/RECIPES.md).
    public var path = ""
    public var format = ""
    public var label = "label"
    public var unknown = "error"
    public var val_fraction = 0.1
    public var test_fraction = 0.1
    public init() {}

    public var spec: DataSpec {
        var s = path.isEmpty ? DataSpec(name: name, directory: directory) : DataSpec(path: path)
        s.format = format; s.label = label; s.unknown = unknown
        s.val_fraction = val_fraction; s.test_fraction = test_fraction
        return s
    }
}

public struct TrainConfig: Codable, Equatable, Sendable {
    /// Architecture fields (see docs/FORMAT.md); 0 in inputs/classes/vocab_size means "from the data", 0 in
    /// head_dim means n_embd/n_head, 0 in ffn_hidden means 4·n_embd.
    public var model: JSONValue
    public var data = DataOptions()
    public var train = TrainingOptions()
    public var seed: UInt64 = 1337

    public static let dataSets = ["fashion-mnist", "shakespeare"]

    static func modelDefaults(_ family: String) -> JSONValue? {
        switch family {
        case "mlp":
            return .object(["family": .string("mlp"), "inputs": .number(0), "hidden": .array([.number(1200), .number(1200)]),
                            "classes": .number(0), "activation": .string("relu"), "dropout": .number(0)])
        case "gpt":
            return .object(["family": .string("gpt"), "n_layer": .number(6), "n_head": .number(8), "head_dim": .number(0),
                            "n_embd": .number(256), "ffn_hidden": .number(0), "block_size": .number(128), "vocab_size": .number(0),
                            "bias": .bool(true), "tie_embeddings": .bool(true), "dropout": .number(0)])
        default: return nil
        }
    }

    /// Reads a YAML config holding overrides only; every unknown key or bad value is an error naming it.
    public static func load(path: String, overrides: [String] = []) throws -> TrainConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw FormatError(file: path, "cannot read the config file (does it exist?)")
        }
        var doc = try ConfigDocument(yaml: text, file: path)
        try doc.apply(overrides: overrides)
        return try load(doc)
    }

    public static func load(_ doc: ConfigDocument) throws -> TrainConfig {
        let family = doc.tree["model"]?["family"]?.string ?? "mlp"
        guard let modelDefaults = modelDefaults(family) else {
            throw FormatError(file: doc.file, path: "model.family",
                              "unknown model family \"\(family)\"\(doc.line("model.family")); expected mlp or gpt")
        }
        var base = try JSONValue(encoding: TrainConfig(model: modelDefaults))
        if case .object(var o) = base { o["model"] = modelDefaults; base = .object(o) }
        let merged = try doc.merged(over: base)
        var cfg = try doc.decode(TrainConfig.self, from: merged)
        cfg.model = merged["model"]!
        try cfg.validate(doc)
        return cfg
    }

    func validate(_ doc: ConfigDocument) throws {
        func need(_ ok: Bool, _ key: String, _ expected: String, _ found: Any) throws {
            if !ok { throw FormatError(file: doc.file, path: key, "expected \(expected), found \(found)\(doc.line(key))") }
        }
        try need(!data.path.isEmpty || Self.dataSets.contains(data.name), "data.name", "one of \(Self.dataSets.joined(separator: ", "))", "\"\(data.name)\"")
        do { try data.spec.validate() } catch let e as DataError {
            let key = String(e.expected.prefix { $0 != " " })
            throw FormatError(file: doc.file, path: key, "expected \(e.expected.dropFirst(key.count + 1)), found \(e.found)\(doc.line(key))")
        }
        let t = train
        try need(t.batch_size >= 1, "train.batch_size", "≥ 1", t.batch_size)
        try need(t.steps >= 1 || t.epochs >= 1, "train.steps", "≥ 1 (or train.epochs ≥ 1)", t.steps)
        try need(t.epochs >= 0, "train.epochs", "≥ 0", t.epochs)
        try need(t.grad_accum >= 1, "train.grad_accum", "≥ 1", t.grad_accum)
        try need(t.lr > 0 && t.lr.isFinite, "train.lr", "> 0", t.lr)
        try need(t.min_lr >= 0 && t.min_lr <= t.lr, "train.min_lr", "in [0, lr]", t.min_lr)
        try need(t.warmup_steps >= 0, "train.warmup_steps", "≥ 0", t.warmup_steps)
        try need(t.weight_decay >= 0, "train.weight_decay", "≥ 0", t.weight_decay)
        try need(t.beta1 >= 0 && t.beta1 < 1, "train.beta1", "in [0, 1)", t.beta1)
        try need(t.beta2 >= 0 && t.beta2 < 1, "train.beta2", "in [0, 1)", t.beta2)
        try need(t.eps > 0, "train.eps", "> 0", t.eps)
        try need(t.grad_clip >= 0, "train.grad_clip", "≥ 0 (0 disables clipping)", t.grad_clip)
        try need(t.eval_every >= 0, "train.eval_every", "≥ 0", t.eval_every)
        try need(t.eval_batches >= 0, "train.eval_batches", "≥ 0", t.eval_batches)
        try need(t.patience >= 0, "train.patience", "≥ 0 (0 trains the whole budget)", t.patience)
        try need(t.patience == 0 || t.eval_every > 0, "train.patience", "0 when train.eval_every is 0 (early stopping needs evaluations)", t.patience)
        try need(t.checkpoint_every >= 0, "train.checkpoint_every", "≥ 0", t.checkpoint_every)
        try need(t.log_every >= 1, "train.log_every", "≥ 1", t.log_every)
        try checkLimits(doc)
        let family = model["family"]?.string ?? ""
        let nonNegative = family == "mlp" ? ["inputs", "classes"] : ["n_layer", "head_dim", "ffn_hidden", "vocab_size"]
        for k in nonNegative { try need((model[k]?.number ?? 0) >= 0, "model.\(k)", "≥ 0 (0 = derived)", model[k] ?? .null) }
    }

    /// The architecture, with the fields left at 0 derived from the data and the other fields.
    public func architecture(features: Int?, classes: Int?, vocabulary: Int?, file: String) throws -> Architecture {
        guard case .object(var m) = model else { throw FormatError(file: file, path: "model", "expected a mapping") }
        func fill(_ key: String, _ value: Int?, what: String) throws {
            let given = Int(m[key]?.number ?? 0)
            guard let value else {
                throw FormatError(file: file, path: "model.\(key)", "the \(data.spec.displayName) data set has no \(what); this family does not fit it")
            }
            if given == 0 { m[key] = .number(Double(value)) }
            else if given != value {
                throw FormatError(file: file, path: "model.\(key)", "expected \(value) (the \(what) of \(data.spec.displayName)), found \(given)")
            }
        }
        switch m["family"]?.string {
        case "mlp":
            try fill("inputs", features, what: "feature width")
            try fill("classes", classes, what: "class count")
        default:
            try fill("vocab_size", vocabulary, what: "vocabulary size")
            let c = Int(m["n_embd"]?.number ?? 0), h = Int(m["n_head"]?.number ?? 1)
            if (m["head_dim"]?.number ?? 0) == 0 {
                guard h > 0, c % h == 0 else {
                    throw FormatError(file: file, path: "model.head_dim", "n_embd \(c) is not divisible by n_head \(h); give head_dim explicitly")
                }
                m["head_dim"] = .number(Double(c / h))
            }
            if (m["ffn_hidden"]?.number ?? 0) == 0 { m["ffn_hidden"] = .number(Double(4 * c)) }
        }
        return try Architecture(json: JSONValue.object(m).description, file: file)
    }
}
