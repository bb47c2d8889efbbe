// Recipe+Validate: every check that can be made before any work starts: values and ranges, stage order, files.
import CondenseCore
import Distill
import Foundation
import Generate
import Interop
import Prune
import Quantize

extension Recipe {
    /// Checks the whole recipe: values and ranges of every section and stage, the stage-order rules, and that the
    /// teacher (or its training config), the student and the data fit together. Reads model headers only.
    mutating func validate() throws {
        try validateData()
        try need(ReportOptions.splits.contains(report.split), "report.split", "val or test", "\"\(report.split)\"")
        try need(report.eval_batches >= 0, "report.eval_batches", "≥ 0 (0: the whole split)", report.eval_batches)
        try need(report.latency_runs >= 1, "report.latency_runs", "≥ 1", report.latency_runs)
        try need(report.generate_tokens >= 0, "report.generate_tokens", "≥ 0 (0 disables it)", report.generate_tokens)
        try need(report.eval_batches <= SizeLimits.maxBatches, "report.eval_batches", "at most \(SizeLimits.maxBatches)", report.eval_batches)
        try need(report.latency_runs <= 10_000, "report.latency_runs", "at most 10000", report.latency_runs)
        try need(report.generate_tokens <= 1 << 20, "report.generate_tokens", "at most \(1 << 20)", report.generate_tokens)
        try need((1...SpeculativeOptions.maxDraftTokens).contains(report.draft_tokens), "report.draft_tokens",
                 "1...\(SpeculativeOptions.maxDraftTokens)", report.draft_tokens)
        try checkStageOrder()
        for stage in stages {
            switch stage {
            case .prune(let c): try validatePrune(c)
            case .distill(let c): try validateDistill(c)
            case .quantize(let c): try validateQuantize(c)
            }
        }
        try validateModels()
        try validateRunInputs()
    }

    /// The data section: a demo set's name or a path that exists, and reading options in range.
    func validateData() throws {
        do { try data.validate() } catch let e as DataError {
            let key = String(e.expected.prefix { $0 != " " })
            throw FormatError(file: file, path: key, "expected \(e.expected.dropFirst(key.count + 1)), found \(e.found)\(line(key))")
        }
        if !data.path.isEmpty {
            try need(FileManager.default.fileExists(atPath: data.path), "data.path", "an existing data file or folder", "\"\(data.path)\" (no such file)")
        }
    }

    /// Throws "FILE: KEY: expected …, found … (line N)" unless `ok`.
    func need(_ ok: Bool, _ key: String, _ expected: String, _ found: Any) throws {
        if !ok { throw FormatError(file: file, path: key, "expected \(expected), found \(found)\(line(key))") }
    }

    // MARK: stages

    /// PruneConfig validates itself and names its keys bare ("val_batches"); give the recipe path and line.
    func validatePrune(_ c: PruneConfig) throws {
        do { try c.validate() } catch let e as ConfigError {
            let key = e.key.hasSuffix(" (count)") ? String(e.key.dropLast(8)) : e.key
            throw FormatError(file: file, path: "prune.\(key)", e.message + line("prune.\(key)"))
        }
        if !c.hasTarget {
            throw FormatError(file: file, path: "prune",
                              "no target given\(line("prune")); set hidden (mlp), layers, drop_layers, ffn, heads or embd (gpt), or target_params")
        }
    }

    func validateDistill(_ c: DistillConfig) throws {
        do {
            try c.validate()
        } catch let e as ConfigError {
            throw FormatError(file: file, path: distillPath(e.key), e.message + line(distillPath(e.key)))
        } catch let e as FormatError {
            let path = distillPath(e.path ?? "")
            throw FormatError(file: file, path: path, e.message + line(path))
        }
        for (i, p) in c.peers.enumerated() where !FileManager.default.fileExists(atPath: p) {
            throw FormatError(file: file, path: "distill.peers[\(i)]", "the peer \(p) does not exist\(line("distill.peers"))")
        }
        for (i, p) in c.peer_configs.enumerated() where !FileManager.default.fileExists(atPath: p) {
            throw FormatError(file: file, path: "distill.peer_configs[\(i)]", "the peer config \(p) does not exist\(line("distill.peer_configs"))")
        }
        let count = teachers.isEmpty ? (teacher.path.isEmpty ? 0 : 1) : teachers.count
        if !c.teacher_weights.isEmpty && c.teacher_weights.count != count {
            throw FormatError(file: file, path: "distill.teacher_weights",
                              "expected one weight per teacher (\(count)), found \(c.teacher_weights.count): \(c.teacher_weights)\(line("distill.teacher_weights"))")
        }
        try need(c.train.epochs >= 0, "distill.train.epochs", "≥ 0", c.train.epochs)
        try need(c.train.warmup_steps >= 0, "distill.train.warmup_steps", "≥ 0", c.train.warmup_steps)
        try need(c.train.eval_every >= 0, "distill.train.eval_every", "≥ 0", c.train.eval_every)
        try need(c.train.eval_batches >= 0, "distill.train.eval_batches", "≥ 0", c.train.eval_batches)
        try need(c.train.patience >= 0, "distill.train.patience", "≥ 0", c.train.patience)
        try need(c.train.checkpoint_every >= 0, "distill.train.checkpoint_every", "≥ 0", c.train.checkpoint_every)
        try need(c.train.log_every >= 1, "distill.train.log_every", "≥ 1", c.train.log_every)
    }

    /// DistillConfig names its keys bare ("alpha", "lr"); their recipe path ("distill.alpha", "distill.train.lr").
    func distillPath(_ key: String) -> String {
        let top = (try? JSONValue(encoding: DistillConfig()))?[key] != nil
        return key.isEmpty ? "distill" : top ? "distill.\(key)" : "distill.train.\(key)"
    }

    /// QuantizeConfig validates itself and names its keys bare ("val_batches"); give the recipe path and line.
    func validateQuantize(_ c: QuantizeConfig) throws {
        do { try c.validate() } catch let e as ConfigError {
            let path = "quantize.\(e.key)"
            throw FormatError(file: file, path: path, e.message + line(path))
        }
    }

    // MARK: files

    /// The teacher exists (or has a valid training config), the student exists, and both fit the data.
    mutating func validateModels() throws {
        if teacher.path.isEmpty && student.isEmpty {
            throw FormatError(file: file, path: "teacher.path",
                              "expected a teacher model file (or a student to start from), found neither\(line("teacher"))")
        }
        var family: String?
        var arch: Architecture?
        if !teacher.path.isEmpty {
            if FileManager.default.fileExists(atPath: teacher.path) {
                let h = try ModelSource.readHeader(teacher.path)
                family = h.architecture.family
                arch = h.architecture
                if !h.quantization.isEmpty && stages.contains(where: { $0.kind != .quantize }) {
                    throw FormatError(file: file, path: "teacher.path",
                                      "\(teacher.path) is already quantized (int8); prune and distill need a float teacher\(line("teacher.path"))")
                }
            } else if teacher.config.isEmpty {
                throw FormatError(file: file, path: "teacher.path",
                                  "the teacher \(teacher.path) does not exist\(line("teacher.path")); train it first, or set teacher.config to a training config (such as recipes/teachers/fashion-mlp.yaml) to train it when it is missing")
            } else {
                let cfg: TrainConfig
                do { cfg = try TrainConfig.load(path: teacher.config) } catch let e as FormatError {
                    throw FormatError(file: file, path: "teacher.config", "\(e)\(line("teacher.config"))")
                }
                family = cfg.model["family"]?.string
                if data.path.isEmpty && !data.name.isEmpty && cfg.data.path.isEmpty && cfg.data.name != data.name {
                    throw FormatError(file: file, path: "data.name",
                                      "expected \(cfg.data.name) (the data set the teacher config \(teacher.config) trains on), found \(data.name)\(line("data.name"))")
                }
                if cfg.data.path != data.path {
                    throw FormatError(file: file, path: "data.path",
                                      "expected \(cfg.data.path.isEmpty ? "no path (\(cfg.data.name))" : cfg.data.path) (the data the teacher config \(teacher.config) trains on), found \(data.path.isEmpty ? "none" : data.path)\(line("data.path"))")
                }
            }
        }
        for (i, t) in teachers.enumerated().dropFirst() where !FileManager.default.fileExists(atPath: t.path) {
            if t.config.isEmpty {
                throw FormatError(file: file, path: "teachers[\(i)].path",
                                  "the teacher \(t.path) does not exist\(line("teachers[\(i)]")); train it first, or set its config to a training config to train it when it is missing")
            }
            do { _ = try TrainConfig.load(path: t.config) } catch let e as FormatError {
                throw FormatError(file: file, path: "teachers[\(i)].config", "\(e)\(line("teachers[\(i)]"))")
            }
        }
        if !student.isEmpty {
            guard FileManager.default.fileExists(atPath: student) else {
                throw FormatError(file: file, path: "student", "the student \(student) does not exist\(line("student"))")
            }
            let h = try ModelSource.readHeader(student)
            if let f = family, f != h.architecture.family {
                throw FormatError(file: file, path: "student",
                                  "expected a \(f) model (the teacher's family), found \(h.architecture.family) in \(student)\(line("student"))")
            }
            family = h.architecture.family
            arch = h.architecture
            if !h.quantization.isEmpty && stages.contains(where: { $0.kind != .quantize }) {
                throw FormatError(file: file, path: "student", "\(student) is already quantized (int8); prune and distill need a float model\(line("student"))")
            }
        }
        if let family {
            let expected = family == "gpt" ? "shakespeare" : "fashion-mnist"
            if data.path.isEmpty {
                try need(data.name.isEmpty || data.name == expected, "data.name", "\(expected) (the data set a \(family) model fits)", data.name)
                data.name = expected
            }
            if case .prune(let c)? = stages.first(where: { $0.kind == .prune }) { try checkPruneFamily(c, family: family, arch: arch) }
        }
    }

    /// Targets for the other family are an error, and counts larger than the model's dimension too.
    func checkPruneFamily(_ c: PruneConfig, family: String, arch: Architecture?) throws {
        let gptOnly = [("drop_layers", !c.drop_layers.isEmpty), ("layers", !c.layers.isEmpty), ("ffn", !c.ffn.isEmpty),
                       ("heads", !c.heads.isEmpty), ("embd", !c.embd.isEmpty)]
        if family == "mlp", let (k, _) = gptOnly.first(where: { $0.1 }) {
            throw FormatError(file: file, path: "prune.\(k)", "applies to gpt models only; the teacher is an mlp (use hidden or target_params)\(line("prune.\(k)"))")
        }
        if family == "gpt" && !c.hidden.isEmpty {
            throw FormatError(file: file, path: "prune.hidden", "applies to mlp models only; the teacher is a gpt (use layers, ffn, heads, embd or target_params)\(line("prune.hidden"))")
        }
        func count(_ s: String) -> Int? { s.hasSuffix("%") ? nil : Int(s.trimmingCharacters(in: .whitespaces)) }
        switch arch {
        case .mlp(let m)?:
            let parts = c.hidden.split(separator: ",").map(String.init)
            if !parts.isEmpty {
                try need(parts.count == 1 || parts.count == m.hidden.count, "prune.hidden",
                         "1 or \(m.hidden.count) widths (the model has \(m.hidden.count) hidden layers)", "\"\(c.hidden)\"")
                for (j, p) in parts.enumerated() {
                    let full = m.hidden[parts.count == 1 ? 0 : j]
                    if let n = count(p) { try need(n <= full, "prune.hidden", "at most \(full) units (the teacher's width)", n) }
                }
            }
        case .gpt(let g)?:
            for (k, v, full) in [("layers", c.layers, g.n_layer), ("ffn", c.ffn, g.ffn_hidden), ("heads", c.heads, g.n_head), ("embd", c.embd, g.n_embd)] {
                if let n = count(v) { try need(n <= full, "prune.\(k)", "at most \(full) (the model's size)", n) }
            }
            try need(c.drop_layers.allSatisfy { $0 < g.n_layer }, "prune.drop_layers", "block indices below \(g.n_layer)", c.drop_layers)
        case nil: break
        }
    }

}
