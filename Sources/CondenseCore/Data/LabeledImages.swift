// LabeledImages: a classification split in memory, images (N, features) as Float in [0, 1] and Int32 labels.
public struct LabeledImages {
    /// Shape (count, features); a class, so copies of this struct share it.
    public let images: Tensor
    public let labels: [Int32]
    public let classes: Int

    public var count: Int { labels.count }
    public var features: Int { images.shape[1] }

    public init(images: Tensor, labels: [Int32], classes: Int, source: String = "LabeledImages") throws {
        guard images.rank == 2, images.shape[0] == labels.count else {
            throw DataError(source, expected: "images of shape (\(labels.count), features) for \(labels.count) labels",
                            found: "images of shape \(images.shape)")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= classes }) {
            throw DataError(source, expected: "labels in 0..<\(classes)", found: "label \(labels[bad]) at index \(bad)")
        }
        self.images = images
        self.labels = labels
        self.classes = classes
    }

    /// The examples in `range`, copied.
    public func slice(_ range: Range<Int>) -> LabeledImages {
        let f = features
        let t = Tensor(uninitialized: [range.count, f])
        t.data.update(from: images.data + range.lowerBound * f, count: range.count * f)
        // Labels were validated when self was made.
        return try! LabeledImages(images: t, labels: Array(labels[range]), classes: classes)
    }

    /// How many examples carry each label.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: classes)
        for l in labels { c[Int(l)] += 1 }
        return c
    }
}
