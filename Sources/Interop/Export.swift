// Export: the Interop stage's public entry point, a Condense model written as Keras, ONNX or a Hugging Face folder.
import CondenseCore
import Foundation

public enum ExportTarget: String, CaseIterable, Codable, Sendable {
    case keras, onnx, hf
}

/// What `exportModel` wrote, and what the target could not hold.
public struct ExportReport: Codable {
    public var target: String
    public var output: String
    /// Files written (for hf, inside the output folder).
    public var files: [String]
    public var bytes: Int
    /// Things the target format cannot hold (dequantized INT8 weights, the history, the vocabulary).
    public var warnings: [String]
}

/// Writes `model` to `output` in the `target` format; every file is written atomically, nothing else is touched.
/// `onnxInt8` is `exact` (our scheme, ORT computes what `condense predict` computes), `ort` (DynamicQuantizeLinear,
/// which ORT fuses into its fast kernel, uint8 weights) or `ort-s8` (the same with int8 weights: faster in ORT on
/// VNNI CPUs, saturating on AVX2-only ones); int8-static layers keep the exact form.
public func exportModel(_ model: ModelFile, to target: ExportTarget, output: String, onnxInt8: String = "exact") throws -> ExportReport {
    guard let ops = OnnxExport.Int8Ops(rawValue: onnxInt8) else {
        throw FormatError(file: output, "--onnx-int8: expected exact, ort or ort-s8, found \"\(onnxInt8)\"")
    }
    var warnings: [String] = []
    if !model.history.isEmpty, target != .onnx { warnings.append("the history (\(model.history.count) record(s)) is not kept: \(target.rawValue) has no place for it") }
    if model.vocabulary != nil, target == .hf { warnings.append("the vocabulary is not kept: write a tokenizer for it yourself (token ids are unchanged)") }
    if model.vocabulary != nil, target == .onnx { warnings.append("the vocabulary is not kept: the graph takes token ids") }
    if model.isQuantized, target != .onnx {
        warnings.append("INT8 layers are exported dequantized (weight_scale · qweight, float32): \(target.rawValue) holds no Condense INT8 layers; use --to onnx for integer ops")
    }
    switch target {
    case .keras:
        let data = try KerasExport.archive(model, file: output)
        try AtomicWrite.write(data, to: output)
        return ExportReport(target: target.rawValue, output: output, files: [output], bytes: data.count, warnings: warnings)
    case .onnx:
        let data = try OnnxExport.serialize(model, int8: ops)
        try AtomicWrite.write(data, to: output)
        return ExportReport(target: target.rawValue, output: output, files: [output], bytes: data.count, warnings: warnings)
    case .hf:
        let files = try HFExport.files(model, file: output)
        try writeFolder(output, files)
        return ExportReport(target: target.rawValue, output: output, files: files.map { output + "/" + $0.name },
                            bytes: files.reduce(0) { $0 + $1.data.count }, warnings: warnings)
    }
}

/// Creates the folder if needed (its parent must exist) and writes each file atomically; other files are left alone.
private func writeFolder(_ dir: String, _ files: [(name: String, data: Data)]) throws {
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
        guard isDir.boolValue else { throw FormatError(file: dir, "--to hf writes a folder, but a file is at this path") }
    } else {
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false) } catch {
            throw FormatError(file: dir, "cannot create the output folder (does its parent exist?)")
        }
    }
    for f in files { try AtomicWrite.write(f.data, to: dir + "/" + f.name) }
}
