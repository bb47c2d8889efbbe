// PruneError: a bad prune request (target, index, criterion, data), as one clear message.
import CondenseCore
public struct PruneError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The calibration batches of a prune run; a bad option is a PruneError naming it.
func calibrationBatches(_ data: TaskData, _ arch: Architecture, _ config: PruneConfig) throws -> CalibrationBatches {
    do {
        return try CalibrationBatches(data, architecture: arch, batches: config.calibration_batches,
                                      batchSize: config.calibration_batch_size, seed: config.seed)
    } catch let e as CalibrationError {
        throw PruneError(e.description)
    }
}
