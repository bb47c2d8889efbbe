// LabeledImages: a classification split, features (count, features) as Float (in memory or rows of a mapped file) and
// Int32 labels (always in memory, 4 bytes an example).
public struct LabeledImages {
    /// The features, read by example index.
    public let rows: ExampleRows
    public let labels: [Int32]
    public let classes: Int

    public var count: Int { labels.count }
    public var features: Int { rows.features }
    /// Whether the features live in a mapped file rather than in memory.
    public var isMapped: Bool { rows.isMapped }

    public init(images: Tensor, labels: [Int32], classes: Int, source: String = "LabeledImages") throws {
        guard images.rank == 2, images.shape[0] == labels.count else {
            throw DataError(source, expected: "images of shape (\(labels.count), features) for \(labels.count) labels",
                            found: "images of shape \(images.shape)")
        }
        try self.init(rows: ExampleRows(images), labels: labels, classes: classes, source: source)
    }

    public init(rows: ExampleRows, labels: [Int32], classes: Int, source: String = "LabeledImages") throws {
        guard rows.count == labels.count else {
            throw DataError(source, expected: "\(labels.count) examples for \(labels.count) labels", found: "\(rows.count)")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= classes }) {
            throw DataError(source, expected: "labels in 0..<\(classes)", found: "label \(labels[bad]) at index \(bad)")
        }
        self.rows = rows
        self.labels = labels
        self.classes = classes
    }

    /// Shape (count, features): the features in memory, or a copy of a mapped split's (only for data known to be
    /// small; the samplers and evaluators read `rows`).
    public var images: Tensor { rows.tensor }

    /// The examples in `range`: copied when in memory, the same file's rows when mapped.
    public func slice(_ range: Range<Int>) -> LabeledImages {
        // Labels were validated when self was made.
        try! LabeledImages(rows: rows.gather(Array(range)), labels: Array(labels[range]), classes: classes)
    }

    /// How many examples carry each label.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: classes)
        for l in labels { c[Int(l)] += 1 }
        return c
    }
}
