// DistillCommand: `condense distill STUDENT.h5 --teacher TEACHER.h5 -o OUT.h5`: a thin shell over Distill.distill.
import ArgumentParser
import CondenseCore
import Distill
import Distributed
import Foundation
import Interop

struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Distill a student from a teacher or an ensemble: soft (temperature KL + task loss, α and T tuned on the validation split) or hard labels.")

    @Argument(help: "The student model (.h5): from prune, or any model of the teacher's family and classes/vocabulary.")
    var student: String
    @Option(help: "The teacher model (.h5); repeat for an ensemble (the weighted mean of their probabilities at T).")
    var teacher: [String] = []
    @Option(help: "Ensemble weights, one per --teacher, comma-separated (default: equal).")
    var teacherWeights: String?
    @OptionGroup(title: "Output") var out: StageOutputArguments
    var output: String { out.output }
    var report: String? { out.report }
    var json: Bool { out.json }
    @OptionGroup(title: "Data (training, and the α/T search on its validation split)")
    var data: DataArguments

    @Option(help: "Method: soft (logit KD + task loss, α and T searched), hard (the teacher's labels), sequence (text: fine-tune on the teacher's best-of-N samples), on-policy (text: GKD on the student's own samples) or mutual (no teacher: the student's architecture and --peer models trained together from random init).")
    var method = "soft"
    @Option(help: "soft: distillation weight α: auto or a number in [0, 1].")
    var alpha: String?
    @Option(help: "soft, on-policy: temperature T: auto or a number > 0.")
    var temperature: String?
    @Option(help: "soft: forward_kl, reverse_kl or jsd.")
    var divergence: String?
    @Option(help: "soft: β of JSD(β), in (0, 1).")
    var jsdBeta: Double?
    @Option(help: "soft: α values searched, comma-separated (0 is always added).")
    var alphaGrid: String?
    @Option(help: "soft, on-policy: T values searched, comma-separated.")
    var temperatureGrid: String?
    @Option(help: "hard: weight of the ground-truth label in the target: auto (searched over --hard-mix-grid) or a number in [0, 1] (0: the teacher's labels only).")
    var hardMix: String?
    @Option(help: "hard, --hard-mix auto: the weights searched, comma-separated.")
    var hardMixGrid: String?
    @Option(help: "hard, text: temperature at which the teacher's token is sampled (seeded); 0 takes its top-1.")
    var hardTemperature: Double?
    @Option(help: "sequence, on-policy: prompt tokens drawn from the training split (< the block size).")
    var promptLength: Int?
    @Option(help: "sequence: tokens the teacher writes after each prompt; on-policy: tokens the student samples after it.")
    var continuationLength: Int?
    @Option(name: .customLong("samples-per-prompt"), help: "sequence: N samples per prompt; the best by --best-of's score is kept.")
    var samplesPerPrompt: Int?
    @Option(help: "sequence: the best-of-N score: teacher (its mean log-likelihood per token), student (the student's, before training) or script (--best-of-script).")
    var bestOf: String?
    @Option(help: "sequence, --best-of script: an executable run as SCRIPT CANDIDATES.jsonl (lines {\"prompt\", \"continuation\"}) that prints one score per line; higher is better.")
    var bestOfScript: String?
    @Option(help: "sequence: token budget of the kept continuations.")
    var transferTokens: Int?
    @Option(help: "sequence: the teacher's sampling temperature (> 0).")
    var generateTemperature: Double?
    @Option(help: "sequence: the teacher's top-p, in (0, 1].")
    var generateTopP: Double?
    @Option(help: "sequence: a transfer set written elsewhere (UTF-8 text in the model's vocabulary) instead of generating one.")
    var transferSet: String?
    @Option(help: "on-policy: share of batches, in [0, 1], whose continuations the student samples itself (the rest are training windows).")
    var lambda: Double?
    @Option(help: "on-policy: β of the divergence, in [0, 1]: 0 forward KL(teacher‖student), 1 reverse KL(student‖teacher), between them JSD(β).")
    var gkdBeta: Double?
    @Option(help: "on-policy: the student's sampling temperature (> 0 when --lambda > 0).")
    var sampleTemperature: Double?
    @Option(help: "mutual: a peer model (.h5) whose architecture is trained beside the student's, both from random init; repeat for more peers.")
    var peer: [String] = []
    @Option(help: "mutual: a peer given as a `condense train` config (its model section); repeatable, after the --peer files.")
    var peerConfig: [String] = []
    @Option(help: "mutual: weight α of the mean KL from the other networks, ≥ 0 (default 1).")
    var mutualAlpha: Double?
    @Option(help: "mutual: temperature T of that KL, > 0 (default 1).")
    var mutualTemperature: Double?
    @Flag(help: "mutual: also write each trained peer beside the output (OUT.peer1.h5, …).")
    var keepPeers = false
    @Option(help: "Compare methods at equal budget, comma-separated: method names, finetune (task loss from the student) or scratch (random init); the best by validation metric is written. A list of only mutual, finetune and scratch needs no --teacher.")
    var compare: String?
    @Option(help: "Share of the step budget the search may use, in [0, 1).")
    var searchShare: Double?
    @Option(help: "Successive-halving factor: keep the best 1/η per rung.")
    var searchEta: Int?
    @Flag(help: "Images: random ±2 px shifts and mixup, labelled by the teacher on the fly.")
    var augment = false
    @Option(help: "With --augment: maximum shift in pixels.") var shiftPixels: Int?
    @Option(help: "With --augment: probability that a batch is mixed up, λ ~ Uniform(0, 1).") var mixupProb: Double?
    @Flag(help: "Precompute the teacher's outputs into an HDF5 cache keyed by the teacher's digest.")
    var cacheTeacher = false
    @Option(help: "The teacher cache file (default: RUN_DIR/teacher-cache.h5).")
    var cachePath: String?
    @Option(help: "Cache: -1 = auto (full up to 1024 classes/tokens, else top-64), 0 = full distributions, k = top-k log-probabilities.")
    var cacheTopK: Int?
    @Option(help: "soft, GPT: intermediate hidden-state loss: none, cosine or mse.")
    var hiddenLoss: String?
    @Option(help: "soft: weight w of the hidden-state loss: L = α·(T²·KL + w·H) + (1−α)·CE.")
    var hiddenWeight: Double?
    @Option(help: "soft: teacher block for each student block, comma-separated, -1 for none (default: evenly spaced).")
    var hiddenMap: String?
    @Option(help: "none or scratch: also train the student architecture from random init on the same budget.")
    var baseline = "none"
    @Option(help: "Text: student samples of validation prompts that the teacher scores after distilling (its NLL of them; the student as its speculative draft); 0 disables (default 64).")
    var generationSamples: Int?
    @Option(help: "Text: tokens of each such sample after its prompt (default 64, clipped to the block).")
    var generationTokens: Int?

    @OptionGroup(title: "Training (the total budget covers the search and the final run)")
    var training: TrainingArguments
    @OptionGroup(title: "Run folder (the search, checkpoints, log and baseline)")
    var runFolder: RunFolderArguments
    @Flag(help: "Also evaluate the teacher, the student before and after, and the baseline on the test split.") var test = false

    /// The options that belong to one method, by flag: given with another method they are an error.
    var methodOptions: [(flag: String, given: Bool, method: DistillMethodName)] {
        [("--alpha", alpha != nil, .soft), ("--temperature", temperature != nil, .soft), ("--divergence", divergence != nil, .soft),
         ("--jsd-beta", jsdBeta != nil, .soft), ("--alpha-grid", alphaGrid != nil, .soft),
         ("--temperature-grid", temperatureGrid != nil, .soft), ("--hidden-loss", hiddenLoss != nil, .soft),
         ("--hidden-weight", hiddenWeight != nil, .soft), ("--hidden-map", hiddenMap != nil, .soft),
         ("--hard-mix", hardMix != nil, .hard), ("--hard-mix-grid", hardMixGrid != nil, .hard), ("--hard-temperature", hardTemperature != nil, .hard),
         ("--prompt-length", promptLength != nil, .sequence), ("--continuation-length", continuationLength != nil, .sequence),
         ("--samples-per-prompt", samplesPerPrompt != nil, .sequence), ("--transfer-tokens", transferTokens != nil, .sequence),
         ("--generate-temperature", generateTemperature != nil, .sequence), ("--generate-top-p", generateTopP != nil, .sequence),
         ("--transfer-set", transferSet != nil, .sequence), ("--best-of", bestOf != nil, .sequence),
         ("--best-of-script", bestOfScript != nil, .sequence),
         ("--temperature", temperature != nil, .onPolicy), ("--temperature-grid", temperatureGrid != nil, .onPolicy),
         ("--prompt-length", promptLength != nil, .onPolicy), ("--continuation-length", continuationLength != nil, .onPolicy),
         ("--lambda", lambda != nil, .onPolicy), ("--gkd-beta", gkdBeta != nil, .onPolicy),
         ("--sample-temperature", sampleTemperature != nil, .onPolicy),
         ("--peer", !peer.isEmpty, .mutual), ("--peer-config", !peerConfig.isEmpty, .mutual), ("--mutual-alpha", mutualAlpha != nil, .mutual),
         ("--mutual-temperature", mutualTemperature != nil, .mutual), ("--keep-peers", keepPeers, .mutual)]
    }

    /// A method's option given while that method does not run (neither `--method` nor in `--compare`) is an error: it
    /// would be silently ignored. A flag may belong to several methods (one row each).
    func checkMethodOptions(method m: DistillMethodName, compare: [String]) throws {
        for o in methodOptions where o.given {
            let owners = methodOptions.filter { $0.flag == o.flag }.map(\.method)
            let them = owners.count == 1 ? "it" : "them"
            if compare.isEmpty {
                guard !owners.contains(m) else { continue }
                throw ValidationError("distill: \(o.flag): expected \(owners.map { "--method \($0.rawValue)" }.joined(separator: " or ")) (the option applies to \(them) only), found --method \(m.rawValue)")
            }
            guard !owners.contains(where: { compare.contains($0.rawValue) }) else { continue }
            throw ValidationError("distill: \(o.flag): expected \(owners.map(\.rawValue).joined(separator: " or ")) in --compare (the option applies to \(them) only), found --compare \(compare.joined(separator: ","))")
        }
    }

    func config() throws -> DistillConfig {
        var c = DistillConfig()
        guard let m = DistillMethodName(rawValue: method) else {
            throw ValidationError("distill: --method: expected \(DistillMethodName.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(method)\"")
        }
        c.method = m
        c.compare = compare.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        try checkMethodOptions(method: m, compare: c.compare)
        try applySoft(&c)
        if let v = hardMix {
            guard let m = Tuned(v) else { throw ValidationError("distill: --hard-mix: expected auto or a weight in [0, 1], found \"\(v)\"") }
            c.hard_mix = m
        }
        if let v = hardMixGrid { c.hard_mix_grid = try numbers(v, "hard-mix-grid") }
        if let v = hardTemperature { c.hard_temperature = v }
        if let v = promptLength { c.prompt_length = v }
        if let v = continuationLength { c.continuation_length = v }
        if let v = samplesPerPrompt { c.samples_per_prompt = v }
        if let v = transferTokens { c.transfer_tokens = v }
        if let v = generateTemperature { c.generate_temperature = v }
        if let v = generateTopP { c.generate_top_p = v }
        if let v = transferSet { c.transfer_set = v }
        if let v = bestOf { c.best_of = v }
        if let v = bestOfScript { c.best_of_script = v; if bestOf == nil { c.best_of = "script" } }
        if let v = lambda { c.lambda = v }
        if let v = gkdBeta { c.gkd_beta = v }
        if let v = sampleTemperature { c.sample_temperature = v }
        c.peers = peer
        c.peer_configs = peerConfig
        if let v = mutualAlpha { c.mutual_alpha = v }
        if let v = mutualTemperature { c.mutual_temperature = v }
        if let w = teacherWeights { c.teacher_weights = try numbers(w, "teacher-weights") }
        if let v = searchShare { c.search_share = v }
        if let v = searchEta { c.search_eta = v }
        if let v = shiftPixels { c.shift_pixels = v }
        if let v = mixupProb { c.mixup_prob = v }
        c.augment = augment; c.cache_teacher = cacheTeacher; c.baseline = baseline
        if let v = cachePath { c.cache_path = v }
        if let v = cacheTopK { c.cache_top_k = v }
        if let v = generationSamples { c.generation_samples = v }
        if let v = generationTokens { c.generation_tokens = v }
        training.apply(to: &c.train)
        if let v = training.seed { c.seed = v }
        if !c.teacher_weights.isEmpty && c.teacher_weights.count != teacher.count {
            throw ValidationError("distill: --teacher-weights: expected one weight per --teacher (\(teacher.count)), found \(c.teacher_weights.count): \(c.teacher_weights)")
        }
        do { try c.validate() } catch { throw flagged(error, flags: ["teachers": "--teacher", "peers": "--peer", "compare": "--compare"]) }
        return c
    }

    /// The soft method's options (α, T, divergence, grids, hidden-state loss).
    private func applySoft(_ c: inout DistillConfig) throws {
        if let alpha {
            guard let a = Tuned(alpha) else { throw ValidationError("--alpha: expected auto or a number in [0, 1], found \"\(alpha)\"") }
            c.alpha = a
        }
        if let temperature {
            guard let t = Tuned(temperature) else { throw ValidationError("--temperature: expected auto or a number > 0, found \"\(temperature)\"") }
            c.temperature = t
        }
        if let divergence {
            guard let d = Divergence(rawValue: divergence.replacingOccurrences(of: "-", with: "_")) else {
                throw ValidationError("unknown divergence \"\(divergence)\"; expected forward_kl, reverse_kl or jsd")
            }
            c.divergence = d
        }
        if let g = alphaGrid { c.alpha_grid = try numbers(g, "alpha-grid") }
        if let g = temperatureGrid { c.temperature_grid = try numbers(g, "temperature-grid") }
        if let v = jsdBeta { c.jsd_beta = v }
        if let hiddenLoss {
            guard let h = HiddenLossKind(rawValue: hiddenLoss) else {
                throw ValidationError("unknown hidden loss \"\(hiddenLoss)\"; expected none, cosine or mse")
            }
            c.hidden_loss = h
        }
        if let v = hiddenWeight { c.hidden_weight = v }
        if let m = hiddenMap {
            let v = m.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !v.isEmpty, v.allSatisfy({ $0 != nil }) else { throw ValidationError("--hidden-map: expected comma-separated block indices, found \"\(m)\"") }
            c.hidden_map = v.map { $0! }
        }
    }

    private func numbers(_ s: String, _ name: String) throws -> [Double] {
        let v = s.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.allSatisfy({ $0 != nil }) else { throw ValidationError("--\(name): expected comma-separated numbers, found \"\(s)\"") }
        return v.map { $0! }
    }

    /// A teacher for every method but mutual, which takes none.
    func checkTeachers(_ c: DistillConfig) throws {
        if c.compare.isEmpty && c.method == .mutual && !teacher.isEmpty {
            throw ValidationError("distill: --teacher: expected no teacher with --method mutual (the networks learn from each other), found \(teacher.count)")
        }
        if c.needsTeacher && teacher.isEmpty {
            throw ValidationError("distill: --teacher: expected a teacher model file (repeat for an ensemble), found none")
        }
    }

    /// --keep-peers: each peer of the run folder copied beside the output (OUT.peerK.h5), atomically.
    func writePeers(_ rep: StageReport) throws {
        guard case .array(let nets)? = rep.details["mutual"]?["networks"] else { return }
        let stem = output.hasSuffix(".h5") ? String(output.dropLast(3)) : output
        for n in nets.dropFirst() {
            guard let name = n["name"]?.string, let path = n["model"]?.string else { continue }
            try ModelFile.read(path).write(to: "\(stem).\(name).h5")
        }
    }

    func run() throws {
        try reportingErrors {
            let reducer = try Launch.start(digests: jobDigests(files: [student] + teacher + peer))
            let cfg = try reducer.together { () throws -> DistillConfig in
                let c = try config()
                try checkTeachers(c)
                return c
            }
            let dir = runFolder.folder(for: output)
            let peers = try reducer.together { () throws -> [ModelFile] in
                let ps = try peer.map { try ModelSource.read($0) }
                do { try checkPeers(student: try ModelSource.read(student), peers: ps) } catch { throw flagged(error, flags: ["peers": "--peer"]) }
                return ps
            }
            let (s, ts, task) = try reducer.together { () throws -> (ModelFile, [ModelFile], TaskData) in
                if reducer.isWriter { try FolderLock.acquire(output: output) }   // one writer per output, taken before the work starts
                let s = try ModelSource.read(student), ts = try teacher.map { try ModelSource.read($0) }
                let ref = ts.first ?? s
                let task = try data.load(for: ref.architecture, vocabulary: ref.vocabulary, model: teacher.first ?? student)
                if let layer = s.quantized.keys.sorted().first {
                    throw FormatError(file: student, path: layer, "this layer is int8: a quantized model cannot be distilled; distill the float model, then quantize")
                }
                if runFolder.force && reducer.isWriter { try OwnedFolder.clear(dir) }
                return (s, ts, task)
            }
            var run = DistillRunOptions(runDir: dir, resume: runFolder.resume)
            run.reducer = reducer
            run.peers = cfg.method == .mutual || cfg.compare.contains("mutual") ? peers : nil
            var (model, rep) = try distill(student: s, teachers: ts, config: cfg, data: task, run: run)
            guard reducer.isWriter else { return }
            let p = try provenance(task)
            model.recordData(p)
            rep.attach(data: p)
            try model.write(to: output)
            if keepPeers { try writePeers(rep) }
            var r = rep
            r.bytes_before = fileSize(student)
            r.bytes_after = fileSize(output)
            if test, case .object(var d) = r.details {
                var tests: [String: JSONValue] = [:]
                let split = try task.split(.test)
                var models = ["student_before": student, "student_after": output]
                for (i, t) in teacher.enumerated() { models[teacher.count == 1 ? "teacher" : "teacher_\(i + 1)"] = t }
                if let b = r.details["baseline"]?["model"]?.string { models["baseline"] = b }
                for (k, path) in models {
                    let net = makeNetwork(try ModelSource.read(path))
                    tests[k] = try JSONValue(encoding: try evaluate(net, on: split, splitName: "test", context: net.context))
                }
                d["test"] = .object(tests)
                r.details = .object(d)
            }
            if let report { try writeStageReport(r, to: report) }
            if json { emit(r.json); return }
            let kind = r.metric_kind == .accuracy ? "accuracy" : "loss"
            let chosen = r.details["chosen"].flatMap { c in c["alpha"]?.number.map { a in ", α=\(a), T=\(c["temperature"]?.number ?? 0)" } } ?? ""
            emit("wrote \(output): \(r.params_after.formatted(grouping: true)) parameters; method \(r.details["comparison"]?["winner"]?.string.map { "\($0) (best of --compare)" } ?? cfg.method.rawValue)\(chosen)")
            if case .array(let nets)? = r.details["mutual"]?["networks"] {
                let each = nets.map { n in String(format: "%@ %.4f", n["name"]?.string ?? "?", n["val"]?[kind]?.number ?? .nan) }
                emit(String(format: "  val %@: student before %.4f; after: %@", kind, r.metric_before ?? .nan, each.joined(separator: ", ")))
            } else {
            emit(String(format: "  val %@: teacher %.4f, student before %.4f, after %.4f (gap recovered %@)", kind,
                        r.details["teacher"]?["val"]?[kind]?.number ?? .nan, r.metric_before ?? .nan, r.metric_after ?? .nan,
                        r.details["gap_recovered"]?.number.map { String(format: "%.2f", $0) } ?? "n/a"))
            }
            if case .array(let rows)? = r.details["comparison"]?["methods"] {
                let unit = r.details["comparison"]?["seen_unit"]?.string ?? ""
                for m in rows {
                    emit(String(format: "  compare %@: val %@ %.4f, %.0f %@ seen, %.0f s%@", m["method"]?.string ?? "?", kind,
                                m["val"]?[kind]?.number ?? .nan, m["seen"]?.number ?? 0, unit, m["seconds"]?.number ?? 0,
                                m["method"] == r.details["comparison"]?["winner"] ? " (winner)" : ""))
                }
            }
            if let b = r.details["baseline"]?["val"]?[kind]?.number { emit(String(format: "  baseline scratch val %@: %.4f", kind, b)) }
            if let c = r.details["cache"], let saved = c["seconds_saved"]?.number {
                let what = c["top_k"]?.number.map { "top-\(Int($0))" } ?? "full"
                emit(String(format: "  teacher cache (%@, %@): %.1f s saved (online teacher ≈ %.1f s; build %.1f s, lookups %.1f s)",
                            what, c["reused"] == .bool(true) ? "reused" : "built", saved, c["online_estimate_seconds"]?.number ?? .nan,
                            c["build_seconds"]?.number ?? .nan, c["lookup_seconds"]?.number ?? .nan))
            }
            if let op = r.details["on_policy"], let n = op["on_policy_batches"]?.number {
                emit(String(format: "  on-policy: %.0f of %.0f batches sampled from the student (%.1f s sampling)", n,
                            op["batches"]?.number ?? .nan, op["sampling_seconds"]?.number ?? .nan))
            }
            if let d = try? DistillDetails(report: r) {
                if let g = d.generation { emit("  generation: " + g.summary) }
                if let g = d.baseline_generation { emit("  generation (baseline): " + g.summary) }
            }
            if let tests = r.details["test"], case .object(let o) = tests {
                for k in o.keys.sorted() { emit(String(format: "  test %@ %@: %.4f", k, kind, o[k]?[kind]?.number ?? .nan)) }
            }
            emit(String(format: "  %.0f s wall", r.wall_seconds))
        }
    }
}
