// ClassificationEvalIterator: walks a split once, in order, in batches; the last batch is padded.
public struct ClassificationEvalIterator {
    public let data: LabeledImages
    public let batchSize: Int
    /// Index of the next example.
    public private(set) var position = 0

    public init(data: LabeledImages, batchSize: Int) throws {
        try BatchBuffers.checkSize(batchSize, "batch size", "ClassificationEvalIterator")
        self.data = data
        self.batchSize = batchSize
    }

    public var batchCount: Int { (data.count + batchSize - 1) / batchSize }

    public mutating func reset() { position = 0 }

    /// Fills x (B, features) and y (B) with the next examples and returns how many are real (padding rows are
    /// zeros with label −1), or nil when the split is done.
    public mutating func next(x: Tensor, y: inout [Int32]) throws -> Int? {
        try BatchBuffers.check(x, rows: batchSize, columns: data.features, "ClassificationEvalIterator")
        try BatchBuffers.check(y, count: batchSize, name: "label", "ClassificationEvalIterator")
        guard position < data.count else { return nil }
        let rows = min(batchSize, data.count - position)
        let start = position
        BatchBuffers.gather(data, rows: rows, batch: batchSize, x: x, y: &y) { start + $0 }
        position += rows
        return rows
    }
}
