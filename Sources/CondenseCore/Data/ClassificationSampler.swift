// ClassificationSampler: seeded, shuffled epochs of minibatches, resumable exactly from its checkpointed state.
public struct ClassificationSamplerState: Codable, Equatable, Sendable {
    /// Index of the current epoch, from 0.
    public var epoch: Int
    /// Position of the next example in the current epoch's permutation.
    public var position: Int
    /// The RNG state from which the current epoch's permutation was drawn (it regenerates the permutation).
    public var rngState: [UInt64]
    public var count: Int
    public var batchSize: Int
    public var dropLast: Bool
}

public struct ClassificationSampler {
    public let data: LabeledImages
    public let batchSize: Int
    /// Drop the last partial batch of an epoch (true) or return it padded (false).
    public let dropLast: Bool
    public private(set) var epoch = 0
    public private(set) var position = 0
    private var epochStart: RNG
    private var order: [Int32] = []
    /// Where the next epoch's permutation will be drawn from.
    private var rngAfterShuffle: [UInt64] = []

    public init(data: LabeledImages, batchSize: Int, dropLast: Bool = true, seed: UInt64) throws {
        try ClassificationSampler.validate(data.count, batchSize, dropLast)
        self.data = data
        self.batchSize = batchSize
        self.dropLast = dropLast
        epochStart = RNG(seed: seed)
        shuffle()
    }

    /// Resumes from a checkpointed state; the data set must have the same size as when it was saved.
    public init(data: LabeledImages, state: ClassificationSamplerState) throws {
        let source = "ClassificationSampler state"
        guard state.count == data.count else {
            throw DataError(source, expected: "a data set of \(state.count) examples (as checkpointed)", found: "\(data.count)")
        }
        guard state.rngState.count == 4 else {
            throw DataError(source, expected: "4 RNG state words", found: "\(state.rngState.count)")
        }
        guard state.epoch >= 0, (0...data.count).contains(state.position) else {
            throw DataError(source, expected: "epoch ≥ 0 and position in 0...\(data.count)",
                            found: "epoch \(state.epoch), position \(state.position)")
        }
        try ClassificationSampler.validate(data.count, state.batchSize, state.dropLast)
        self.data = data
        batchSize = state.batchSize
        dropLast = state.dropLast
        epoch = state.epoch
        position = state.position
        epochStart = RNG(state: state.rngState)
        shuffle()
    }

    public var state: ClassificationSamplerState {
        ClassificationSamplerState(epoch: epoch, position: position, rngState: epochStart.state,
                                   count: data.count, batchSize: batchSize, dropLast: dropLast)
    }

    public var batchesPerEpoch: Int {
        dropLast ? data.count / batchSize : (data.count + batchSize - 1) / batchSize
    }

    /// Fills x (B, features) and y (B) with the next batch and returns its number of real rows; starts a new
    /// epoch when the current one is used up. Padding rows (only when `dropLast` is false) are zeros with label −1.
    public mutating func next(x: Tensor, y: inout [Int32]) throws -> Int {
        try BatchBuffers.check(x, rows: batchSize, columns: data.features, "ClassificationSampler")
        try BatchBuffers.check(y, count: batchSize, name: "label", "ClassificationSampler")
        if dropLast ? position + batchSize > data.count : position >= data.count {
            epoch += 1
            position = 0
            epochStart = RNG(state: rngAfterShuffle)
            shuffle()
        }
        let rows = min(batchSize, data.count - position)
        let start = position
        order.withUnsafeBufferPointer { o in
            BatchBuffers.gather(data, rows: rows, batch: batchSize, x: x, y: &y) { Int(o[start + $0]) }
        }
        position += rows
        return rows
    }

    /// Draws this epoch's permutation of 0..<count from `epochStart`.
    private mutating func shuffle() {
        var rng = epochStart
        order = (0..<Int32(data.count)).map { $0 }
        rng.shuffle(&order)
        rngAfterShuffle = rng.state
    }

    private static func validate(_ count: Int, _ batchSize: Int, _ dropLast: Bool) throws {
        try BatchBuffers.checkSize(count, "number of examples", "ClassificationSampler")
        try BatchBuffers.checkSize(batchSize, "batch size", "ClassificationSampler")
        if dropLast && batchSize > count {
            throw DataError("ClassificationSampler", expected: "batch size ≤ \(count) examples when dropping partial batches",
                            found: "\(batchSize)")
        }
    }
}
