// Recipe+Checks: the checks a run would otherwise make only after earlier stages ran, made before any work starts.
import CondenseCore
import Distill
import Foundation
import Prune
import Quantize

extension Recipe {
    /// The output folder is not a file; each distill search fits its budget; each quantize stage's calibration file
    /// exists and fits the model, and its `keep` patterns match a layer of the model it will see; and no stage needs
    /// more memory than the machine has (`estimatedPeakMemory`, which --dry-run prints).
    mutating func validateRunInputs() throws {
        var isDir: ObjCBool = false
        if !output.isEmpty, FileManager.default.fileExists(atPath: output, isDirectory: &isDir), !isDir.boolValue {
            throw FormatError(file: file, path: "output", "\(output) is an existing file; the output must be a folder")
        }
        var arch = try inputArchitecture()
        var depthKnown = true
        for (i, stage) in stages.enumerated() {
            switch stage {
            case .prune(let c):
                (arch, depthKnown) = Self.afterPrune(arch, c, depthKnown: depthKnown)
            case .distill(let c):
                do { try checkSearchBudget(c, trainExamples: data.name == "fashion-mnist" ? 55_000 : nil) } catch let e as ConfigError {
                    throw FormatError(file: file, path: "distill.\(e.key)", e.message + line("distill.\(e.key)"))
                }
            case .quantize(let c):
                try checkQuantizeInputs(c, arch: arch, depthKnown: depthKnown, stage: i)
            }
        }
        if let (stage, m) = try estimatedPeakMemory() {
            try m.check("stage \(stage + 1) (\(stages[stage].kind.rawValue)) of this recipe") { FormatError(file: file, path: "stages", $0) }
        }
    }

    /// The most demanding stage (its index) and what it needs, estimated from the input model; nil while there is
    /// none to size (a teacher still to be trained). Pruning only shrinks a model, so the input's architecture
    /// bounds every stage's, the teacher's included.
    public func estimatedPeakMemory() throws -> (stage: Int, memory: MemoryEstimate)? {
        guard let a = try inputArchitecture() else { return nil }
        let teacher = try teacherArchitecture() ?? a
        let dataBytes = data.memoryEstimate(family: a.family), mappedBytes = data.mappedBytes(family: a.family)
        var peak: (Int, MemoryEstimate)?
        for (i, stage) in stages.enumerated() {
            var m: MemoryEstimate
            switch stage {
            case .prune(let c): m = a.inferenceMemory(rows: c.calibration_batch_size)
            case .distill(let c): m = a.distillMemory(teacher: teacher, batchSize: c.train.batch_size)
            case .quantize(let c): m = a.inferenceMemory(rows: c.calibration_batches * c.calibration_batch_size)
            }
            m.data = dataBytes
            m.mapped = mappedBytes
            if peak == nil || m.total > peak!.1.total { peak = (i, m) }
        }
        return peak
    }

    /// The teacher's architecture, when its file exists.
    func teacherArchitecture() throws -> Architecture? {
        guard !teacher.path.isEmpty, FileManager.default.fileExists(atPath: teacher.path) else { return nil }
        return try ModelFile.readHeader(teacher.path).architecture
    }

    /// The architecture of the first stage's input, when it exists (a teacher still to be trained has none yet).
    func inputArchitecture() throws -> Architecture? {
        let p = inputPath
        guard !p.isEmpty, FileManager.default.fileExists(atPath: p) else { return nil }
        return try ModelFile.readHeader(p).architecture
    }

    /// The model after a prune stage, as far as the config fixes it: layer paths stay known unless depth changes by
    /// a ratio or a parameter budget.
    static func afterPrune(_ arch: Architecture?, _ c: PruneConfig, depthKnown: Bool) -> (Architecture?, Bool) {
        guard case .gpt(var g)? = arch else { return (arch, depthKnown && c.target_params.isEmpty) }
        if !c.drop_layers.isEmpty { g.n_layer = max(0, g.n_layer - Set(c.drop_layers).count) }
        if !c.layers.isEmpty {
            guard let n = Int(c.layers.trimmingCharacters(in: .whitespaces)) else { return (.gpt(g), false) }
            g.n_layer = n
        }
        return (.gpt(g), depthKnown && c.target_params.isEmpty)
    }

    func checkQuantizeInputs(_ c: QuantizeConfig, arch: Architecture?, depthKnown: Bool, stage: Int) throws {
        if !c.calibration_data.isEmpty {
            guard FileManager.default.fileExists(atPath: c.calibration_data) else {
                throw FormatError(file: file, path: "quantize.calibration_data",
                                  "the calibration file \(c.calibration_data) does not exist\(line("quantize.calibration_data"))")
            }
            if let a = arch { _ = try ModelInput.read(c.calibration_data, for: a) }
        }
        guard let a = arch, depthKnown, !c.keep.isEmpty else { return }
        let layers = ModelFile(architecture: a, parameters: [:]).linearLayers.map(\.path)
        if let p = c.unmatchedKeep(layers: layers).first {
            throw FormatError(file: file, path: "quantize.keep",
                              "\"\(p)\" matches no linear layer of the model stage \(stage + 1) quantizes\(line("quantize.keep")); the layers are: \(layers.joined(separator: ", "))")
        }
    }
}
