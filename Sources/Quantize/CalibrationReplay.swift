// CalibrationReplay: the inputs a quantizer calibrates on: training-split batches, or a user's `input` file.
import CondenseCore

/// Either calibration source, replayed the same way.
final class CalibrationReplay {
    let batches: CalibrationBatches?
    let file: ModelInput?
    init(batches: CalibrationBatches) { self.batches = batches; file = nil }
    init(file: ModelInput) { self.file = file; batches = nil }

    /// Images or sequences seen per pass.
    var samples: Int {
        if let batches { return batches.samples }
        switch file! {
        case .features(let x): return x.shape[0]
        case .tokens(_, let b, _): return b
        }
    }

    /// Runs `net` (inference) over every calibration input.
    func forEach(_ net: Network) {
        if let batches {
            for i in 0..<batches.count { batches.withBatch(i) { input, _, _ in _ = net.predict(input) } }
        } else {
            _ = file!.logits(net, chunk: 64)
        }
    }
}

func calibrationReplay(_ model: ModelFile, config: QuantizeConfig, data: TaskData) throws -> CalibrationReplay {
    if !config.calibration_data.isEmpty {
        do {
            return CalibrationReplay(file: try ModelInput.read(config.calibration_data, for: model.architecture))
        } catch {
            throw QuantizeError("--calibration-data: \(error)")
        }
    }
    do {
        return CalibrationReplay(batches: try CalibrationBatches(data, architecture: model.architecture, batches: config.calibration_batches,
                                                                 batchSize: config.calibration_batch_size, seed: config.seed))
    } catch let e as CalibrationError {
        throw QuantizeError(e.description)
    }
}
