// Export: `condense export MODEL -o OUT --to keras|onnx|hf` writes a model in another framework's format.
import ArgumentParser
import CondenseCore
import Foundation
import Interop

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model as a Keras .keras archive (MLP), an ONNX model (MLP or GPT, float or INT8) or a Hugging Face GPT-2 folder.")

    @Argument(help: "A model: a Condense .h5, a Keras .keras archive or a legacy Keras .h5.")
    var model: String

    @Option(name: .shortAndLong, help: "Output: a .keras or .onnx file, or a folder for hf.")
    var output: String

    @Option(help: "Target format: keras, onnx or hf.")
    var to: String

    @Option(help: "ONNX INT8 layers: exact (our per-row scheme around MatMulInteger; matches predict), ort (DynamicQuantizeLinear, fused by ONNX Runtime; uint8 weights, exact on every CPU) or ort-s8 (int8 weights: faster in ONNX Runtime with VNNI, saturating without it).")
    var onnxInt8: String = "exact"

    @Flag(help: "Print the export report as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            guard let target = ExportTarget(rawValue: to) else {
                throw ValidationError("--to: expected one of keras, onnx, hf, found \"\(to)\"")
            }
            try FolderLock.acquire(output: output)   // one writer per output, taken before the work starts
            let m = try ModelSource.read(model)
            let r = try exportModel(m, to: target, output: output, onnxInt8: onnxInt8)
            for w in r.warnings { FileHandle.standardError.write(Data("condense: warning: \(w)\n".utf8)) }
            if json { emit(((try? JSONValue(encoding: r)) ?? .null).jsonString(pretty: true)); return }
            emit("wrote \(r.output) (\(target.rawValue), \(r.bytes) bytes)")
        }
    }
}
