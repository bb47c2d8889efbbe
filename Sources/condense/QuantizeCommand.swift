// QuantizeCommand: `condense quantize MODEL.h5 -o MODEL.int8.h5 [options]` turns a float model into an INT8 one.
import ArgumentParser
import CondenseCore
import Foundation
import Interop
import Quantize

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "INT8 post-training quantization (per-channel weights; dynamic or calibrated static activations).",
        discussion: "Unset options keep the QuantizeConfig defaults. Embeddings and LayerNorms stay float.")

    @Argument(help: "A float model file (.h5).")
    var model: String

    @OptionGroup(title: "Output") var out: StageOutputArguments
    var output: String { out.output }
    var report: String? { out.report }
    var json: Bool { out.json }

    @OptionGroup(title: "Data (calibration and validation)")
    var data: DataArguments

    @Option(help: "Activations: dynamic (per-token scales at run time) or static (calibrated per-tensor scales).")
    var activations: String?
    @Option(help: "Static scales by minmax, percentile or mse.")
    var calibration: String?
    @Option(help: "Percentile of |x| for --calibration percentile (e.g. 99.99).")
    var percentile: Double?
    @Option(help: "Calibration batches from the training split.")
    var calibrationBatches: Int?
    @Option(help: "Samples per calibration batch (images, or block_size-token sequences).")
    var calibrationBatchSize: Int?
    @Option(help: "Calibrate on this HDF5 file's `input` dataset instead (as predict reads it).")
    var calibrationData: String?
    @Option(help: "SmoothQuant migration strength α in [0, 1], or off.")
    var smoothquant: String?
    @Option(parsing: .singleValue, help: "Keep matching linear layers in float (glob over layer paths, e.g. '*/c_proj'); repeatable.")
    var keep: [String] = []
    @Option(help: "Validation batches for the metric before and after (0: the whole split).")
    var valBatches: Int?
    @Option(help: "Weight precision: 8 (default, values in [-127, 127]) or 7 (values in [-63, 63], the 3-op AVX2 kernel).")
    var weightBits: Int?
    @Option(help: "Seed of the calibration sampler.")
    var seed: UInt64?
    @Flag(help: "Skip the latency measurements in the report.")
    var noLatency = false


    func config() throws -> QuantizeConfig {
        var c = QuantizeConfig()
        if let activations { c.activations = activations }
        if let calibration { c.calibration = calibration }
        if let percentile { c.percentile = percentile }
        if let calibrationBatches { c.calibration_batches = calibrationBatches }
        if let calibrationBatchSize { c.calibration_batch_size = calibrationBatchSize }
        if let calibrationData { c.calibration_data = calibrationData }
        if let smoothquant {
            guard let s = SmoothQuant(smoothquant) else {
                throw QuantizeError("--smoothquant: expected \"off\" or a migration strength in [0, 1], found \"\(smoothquant)\"")
            }
            c.smoothquant = s
        }
        c.keep = keep
        if let valBatches { c.val_batches = valBatches }
        if let weightBits { c.weight_bits = weightBits }
        if let seed { c.seed = seed }
        if noLatency { c.latency = false }
        return c
    }

    func run() throws {
        try reportingErrors {
            let cfg = try config()
            do { try cfg.validate() } catch { throw flagged(error) }
            try FolderLock.acquire(output: output)   // one writer per output, taken before the work starts
            let m = try ModelSource.read(model)
            let task = try data.load(for: m.architecture, vocabulary: m.vocabulary, model: model)
            var (q, r) = try quantize(m, config: cfg, data: task)
            let p = try provenance(task)
            q.recordData(p)
            r.attach(data: p)
            try q.write(to: output)
            r.bytes_before = fileSize(model)
            r.bytes_after = fileSize(output)
            if let report { try writeStageReport(r, to: report, markdown: quantizeMarkdown) }
            if json { emit(r.json); return }
            emit(quantizeMarkdown(r))
            emit("wrote \(output)")
        }
    }
}
