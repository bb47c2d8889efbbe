// DistillCommand: `condense distill STUDENT.h5 --teacher TEACHER.h5 -o OUT.h5`: a thin shell over Distill.distill.
import ArgumentParser
import CondenseCore
import Distill
import Foundation
import Interop

struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Distill a student from a teacher: temperature KL + task loss, with α and T tuned on the validation split.")

    @Argument(help: "The student model (.h5): from prune, or any model of the teacher's family and classes/vocabulary.")
    var student: String
    @Option(help: "The teacher model (.h5).")
    var teacher: String
    @Option(name: .shortAndLong, help: "Model file to write.")
    var output: String
    @OptionGroup(title: "Data (training, and the α/T search on its validation split)")
    var data: DataArguments

    @Option(help: "Distillation weight α: auto or a number in [0, 1].")
    var alpha = "auto"
    @Option(help: "Temperature T: auto or a number > 0.")
    var temperature = "auto"
    @Option(help: "forward_kl, reverse_kl or jsd.")
    var divergence = "forward_kl"
    @Option(help: "β of JSD(β), in (0, 1).")
    var jsdBeta: Double?
    @Option(help: "α values searched, comma-separated (0 is always added).")
    var alphaGrid: String?
    @Option(help: "T values searched, comma-separated.")
    var temperatureGrid: String?
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
    @Option(help: "Intermediate hidden-state loss (GPT): none, cosine or mse.")
    var hiddenLoss = "none"
    @Option(help: "Weight w of the hidden-state loss: L = α·(T²·KL + w·H) + (1−α)·CE.")
    var hiddenWeight: Double?
    @Option(help: "Teacher block for each student block, comma-separated, -1 for none (default: evenly spaced).")
    var hiddenMap: String?
    @Option(help: "none or scratch: also train the student architecture from random init on the same budget.")
    var baseline = "none"

    @Option(help: "Total optimizer steps (search + final run), when --epochs is 0.") var steps: Int?
    @Option(help: "Epochs of the training split (images); overrides --steps.") var epochs: Int?
    @Option(help: "Batch size.") var batchSize: Int?
    @Option(help: "Peak learning rate.") var lr: Double?
    @Option(help: "Final learning rate of the cosine schedule.") var minLr: Double?
    @Option(help: "Warmup steps.") var warmupSteps: Int?
    @Option(help: "AdamW weight decay.") var weightDecay: Double?
    @Option(help: "Evaluate on the validation split every N steps.") var evalEvery: Int?
    @Option(help: "Validation batches per evaluation (0 = all).") var evalBatches: Int?
    @Option(help: "Checkpoint every N steps.") var checkpointEvery: Int?
    @Option(help: "Log the train loss every N steps.") var logEvery: Int?
    @Option(help: "Random seed.") var seed: UInt64?

    @Option(help: "Folder for the search, checkpoints, log and baseline (default: OUTPUT without .h5, plus .run).")
    var runDir: String?
    @Flag(help: "Continue the run from its last checkpoint.") var resume = false
    @Flag(help: "Discard an earlier run in the run folder and start over.") var force = false
    @Option(help: "Write the stage report (JSON) here.") var report: String?
    @Flag(help: "Also evaluate the teacher, the student before and after, and the baseline on the test split.") var test = false
    @Flag(help: "Print the report as JSON.") var json = false

    func config() throws -> DistillConfig {
        var c = DistillConfig()
        guard let a = Tuned(alpha) else { throw ValidationError("--alpha: expected auto or a number in [0, 1], found \"\(alpha)\"") }
        guard let t = Tuned(temperature) else { throw ValidationError("--temperature: expected auto or a number > 0, found \"\(temperature)\"") }
        guard let d = Divergence(rawValue: divergence.replacingOccurrences(of: "-", with: "_")) else {
            throw ValidationError("unknown divergence \"\(divergence)\"; expected forward_kl, reverse_kl or jsd")
        }
        c.alpha = a; c.temperature = t; c.divergence = d
        func grid(_ s: String, _ name: String) throws -> [Double] {
            let v = s.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !v.isEmpty, v.allSatisfy({ $0 != nil }) else { throw ValidationError("--\(name): expected comma-separated numbers, found \"\(s)\"") }
            return v.map { $0! }
        }
        if let g = alphaGrid { c.alpha_grid = try grid(g, "alpha-grid") }
        if let g = temperatureGrid { c.temperature_grid = try grid(g, "temperature-grid") }
        if let v = jsdBeta { c.jsd_beta = v }
        if let v = searchShare { c.search_share = v }
        if let v = searchEta { c.search_eta = v }
        if let v = shiftPixels { c.shift_pixels = v }
        if let v = mixupProb { c.mixup_prob = v }
        c.augment = augment; c.cache_teacher = cacheTeacher; c.baseline = baseline
        if let v = cachePath { c.cache_path = v }
        if let v = cacheTopK { c.cache_top_k = v }
        guard let h = HiddenLossKind(rawValue: hiddenLoss) else {
            throw ValidationError("unknown hidden loss \"\(hiddenLoss)\"; expected none, cosine or mse")
        }
        c.hidden_loss = h
        if let v = hiddenWeight { c.hidden_weight = v }
        if let m = hiddenMap {
            let v = m.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !v.isEmpty, v.allSatisfy({ $0 != nil }) else { throw ValidationError("--hidden-map: expected comma-separated block indices, found \"\(m)\"") }
            c.hidden_map = v.map { $0! }
        }
        if let v = steps { c.train.steps = v; c.train.epochs = 0 }
        if let v = epochs { c.train.epochs = v }
        if let v = batchSize { c.train.batch_size = v }
        if let v = lr { c.train.lr = v; if minLr == nil { c.train.min_lr = min(c.train.min_lr, v) } }
        if let v = minLr { c.train.min_lr = v }
        if let v = warmupSteps { c.train.warmup_steps = v }
        if let v = weightDecay { c.train.weight_decay = v }
        if let v = evalEvery { c.train.eval_every = v }
        if let v = evalBatches { c.train.eval_batches = v }
        if let v = checkpointEvery { c.train.checkpoint_every = v }
        if let v = logEvery { c.train.log_every = v }
        if let v = seed { c.seed = v }
        try c.validate()
        return c
    }

    func run() throws {
        try reportingErrors {
            let cfg = try config()
            try FolderLock.acquire(output: output)   // one writer per output, taken before the work starts
            let s = try ModelSource.read(student), t = try ModelSource.read(teacher)
            let task = try data.load(for: t.architecture, vocabulary: t.vocabulary, model: teacher)
            let dir = runDir ?? (output.hasSuffix(".h5") ? String(output.dropLast(3)) : output) + ".run"
            if let layer = s.quantized.keys.sorted().first {
                throw FormatError(file: student, path: layer, "this layer is int8: a quantized model cannot be distilled; distill the float model, then quantize")
            }
            if force { try OwnedFolder.clear(dir) }
            var (model, rep) = try distill(student: s, teacher: t, config: cfg, data: task,
                                           run: DistillRunOptions(runDir: dir, resume: resume))
            let p = try provenance(task)
            model.recordData(p)
            rep.attach(data: p)
            try model.write(to: output)
            var r = rep
            r.bytes_before = fileSize(student)
            r.bytes_after = fileSize(output)
            if test, case .object(var d) = r.details {
                var tests: [String: JSONValue] = [:]
                let split = try task.split(.test)
                var models = ["teacher": teacher, "student_before": student, "student_after": output]
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
            emit("wrote \(output): \(r.params_after.formatted(grouping: true)) parameters; α=\(r.details["chosen"]?["alpha"]?.number ?? 0), T=\(r.details["chosen"]?["temperature"]?.number ?? 0)")
            emit(String(format: "  val %@: teacher %.4f, student before %.4f, after %.4f (gap recovered %@)", kind,
                        r.details["teacher"]?["val"]?[kind]?.number ?? .nan, r.metric_before ?? .nan, r.metric_after ?? .nan,
                        r.details["gap_recovered"]?.number.map { String(format: "%.2f", $0) } ?? "n/a"))
            if let b = r.details["baseline"]?["val"]?[kind]?.number { emit(String(format: "  baseline scratch val %@: %.4f", kind, b)) }
            if let c = r.details["cache"], let saved = c["seconds_saved"]?.number {
                let what = c["top_k"]?.number.map { "top-\(Int($0))" } ?? "full"
                emit(String(format: "  teacher cache (%@, %@): %.1f s saved (online teacher ≈ %.1f s; build %.1f s, lookups %.1f s)",
                            what, c["reused"] == .bool(true) ? "reused" : "built", saved, c["online_estimate_seconds"]?.number ?? .nan,
                            c["build_seconds"]?.number ?? .nan, c["lookup_seconds"]?.number ?? .nan))
            }
            if let tests = r.details["test"], case .object(let o) = tests {
                for k in o.keys.sorted() { emit(String(format: "  test %@ %@: %.4f", k, kind, o[k]?[kind]?.number ?? .nan)) }
            }
            emit(String(format: "  %.0f s wall", r.wall_seconds))
        }
    }
}
