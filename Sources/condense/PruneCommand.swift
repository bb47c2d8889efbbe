// PruneCommand: `condense prune TEACHER.h5 -o STUDENT.h5 [targets]` cuts a teacher into a physically smaller student.
import ArgumentParser
import CondenseCore
import Foundation
import Interop
import Prune

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Structured pruning (depth and width) into a smaller model file.",
        discussion: "Targets are counts or ratios (512, 50%, 0.5). Unset options keep the PruneConfig defaults.")

    @Argument(help: "The teacher model file (.h5).")
    var model: String

    @OptionGroup(title: "Output") var out: StageOutputArguments
    var output: String { out.output }
    var report: String? { out.report }
    var json: Bool { out.json }

    @OptionGroup(title: "Data (calibration and validation; --drop-layers, and widths by --criterion magnitude, need none)")
    var data: DataArguments

    @Option(help: "GPT blocks to remove, zero-based, comma-separated (e.g. 2,3).")
    var dropLayers: String?
    @Option(help: "GPT blocks to keep (count or ratio), ranked by --layer-criterion.")
    var layers: String?
    @Option(help: "Block ranking: block_influence, loss or contiguous.")
    var layerCriterion: String?
    @Option(help: "GPT MLP neurons per block (ffn_hidden).")
    var ffn: String?
    @Option(help: "GPT attention heads per block (head_dim is kept).")
    var heads: String?
    @Option(help: "GPT embedding channels (n_embd).")
    var embd: String?
    @Option(help: "MLP hidden widths: one for all layers, or one per layer (e.g. 600,300 or 25%).")
    var hidden: String?
    @Option(help: "Parameter budget (count or ratio, e.g. 25%): searches candidate architectures.")
    var targetParams: String?
    @Option(help: "Width importance: activation, magnitude or taylor.")
    var criterion: String?
    @Option(help: "Calibration batches from the training split.")
    var calibrationBatches: Int?
    @Option(help: "Samples per calibration batch.")
    var calibrationBatchSize: Int?
    @Option(help: "Validation batches for the metric before and after (0: the whole split).")
    var valBatches: Int?
    @Option(help: "Validation batches that score each budget candidate.")
    var searchValBatches: Int?
    @Option(help: "At most this many budget candidates.")
    var maxCandidates: Int?
    @Option(help: "Seed of the calibration sampler.")
    var seed: UInt64?

    @Flag(help: "Skip the latency measurements in the report.")
    var noLatency = false


    func config() throws -> PruneConfig {
        var c = PruneConfig()
        if let dropLayers {
            c.drop_layers = try dropLayers.split(separator: ",").map { s in
                guard let i = Int(s.trimmingCharacters(in: .whitespaces)) else {
                    throw PruneError("--drop-layers: expected comma-separated block indices such as 2,3, found \"\(dropLayers)\"")
                }
                return i
            }
        }
        if let layers { c.layers = layers }
        if let layerCriterion { c.layer_criterion = layerCriterion }
        if let ffn { c.ffn = ffn }
        if let heads { c.heads = heads }
        if let embd { c.embd = embd }
        if let hidden { c.hidden = hidden }
        if let targetParams { c.target_params = targetParams }
        if let criterion { c.criterion = criterion }
        if let calibrationBatches { c.calibration_batches = calibrationBatches }
        if let calibrationBatchSize { c.calibration_batch_size = calibrationBatchSize }
        if let valBatches { c.val_batches = valBatches }
        if let searchValBatches { c.search_val_batches = searchValBatches }
        if let maxCandidates { c.max_candidates = maxCandidates }
        if let seed { c.seed = seed }
        if noLatency { c.latency = false }
        return c
    }

    /// A ConfigError from the stage, with its key spelled as this command's flag.
    func mappingConfigErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw flagged(error, flags: ["drop_layers (count)": "--drop-layers"]) }
    }

    func run() throws {
        try reportingErrors {
            let cfg = try config()
            // The counts first, before any file is read (the stage checks them again, and the targets against the model).
            try mappingConfigErrors { try cfg.checkCounts() }
            guard cfg.hasTarget else {
                throw PruneError("no target given: set --layers, --drop-layers, --ffn, --heads or --embd (gpt), --hidden (mlp), or --target-params; without one, prune would only copy the model")
            }
            if let layer = quantizedLayers(inFile: model).first {
                throw PruneError("\(model): \(layer): the model is already quantized (int8 qweight); prune a float model (prune comes before quantize)")
            }
            try FolderLock.acquire(output: output)   // one writer per output, taken before the work starts
            let m = try ModelSource.read(model)
            let task = try data.loadIfFits(for: m.architecture, vocabulary: m.vocabulary, model: model)
            var (student, r) = try mappingConfigErrors { try prune(m, config: cfg, data: task) }
            let p = try provenance(task)
            student.recordData(p)
            r.attach(data: p)
            try student.write(to: output)
            r.bytes_before = fileSize(model)
            r.bytes_after = fileSize(output)
            if let report { try writeStageReport(r, to: report, markdown: pruneMarkdown) }
            if json { emit(r.json); return }
            let metric = r.metric_kind == .accuracy ? "val accuracy" : "val loss"
            emit("wrote \(output): \(r.params_after) parameters (from \(r.params_before)), \(r.bytes_after ?? 0) bytes (from \(r.bytes_before ?? 0))")
            if task == nil {
                emit(String(format: "  no data: pruned on the weights alone, no metric measured; %.1f s", r.wall_seconds))
            } else {
                emit(String(format: "  %@ %.4f → %.4f on %@; %.1f s", metric, r.metric_before ?? 0, r.metric_after ?? 0, task!.name, r.wall_seconds))
            }
            emit("  architecture: \(student.architecture.json())")
        }
    }
}
