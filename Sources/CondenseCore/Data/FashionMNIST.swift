// FashionMNIST: loads the Fashion-MNIST IDX files into train (first 55,000), val (last 5,000) and test (10,000) splits.
import Foundation

public enum FashionMNIST {
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    public static let environmentVariable = "CONDENSE_FASHION_DIR"
    public static let side = 28
    public static let features = 784
    public static let classes = 10
    /// The validation split is the last this-many training images (the documented split: the last 5,000 training images).
    public static let validationCount = 5_000

    /// The directory to read: the explicit argument, else $CONDENSE_FASHION_DIR, else the Debian package's directory.
    public static func directory(_ explicit: String? = nil,
                                 environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = environment[environmentVariable], !env.isEmpty { return env }
        return defaultDirectory
    }

    /// One split. `train` and `val` both read the training files; use `loadTrainVal` to read them once.
    public static func load(_ split: DataSplit, directory: String? = nil,
                            validationCount: Int = validationCount) throws -> LabeledImages {
        switch split {
        case .train: return try loadTrainVal(directory: directory, validationCount: validationCount).train
        case .val: return try loadTrainVal(directory: directory, validationCount: validationCount).val
        case .test: return try loadFiles(directory: directory, prefix: "t10k")
        }
    }

    /// The training files cut into train (all but the last `validationCount`) and val (the last `validationCount`).
    public static func loadTrainVal(directory: String? = nil,
                                    validationCount: Int = validationCount) throws -> (train: LabeledImages, val: LabeledImages) {
        let pair = try readPair(directory: directory, prefix: "train")
        guard pair.count > validationCount else {
            throw DataError(pair.imagePath,
                            expected: "more than \(validationCount) training images (the last \(validationCount) are the validation split)",
                            found: "\(pair.count)")
        }
        let cut = pair.count - validationCount
        return (try pair.examples(0..<cut), try pair.examples(cut..<pair.count))
    }

    /// Reads `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]` and checks they agree.
    public static func loadFiles(directory: String? = nil, prefix: String) throws -> LabeledImages {
        let pair = try readPair(directory: directory, prefix: prefix)
        return try pair.examples(0..<pair.count)
    }

    /// An images file and its labels file, validated against each other.
    private struct Pair {
        let images: IDXArray
        let labels: [Int32]
        let imagePath: String
        var count: Int { labels.count }

        /// Examples `range` as Float x/255, shape (range.count, 784).
        func examples(_ range: Range<Int>) throws -> LabeledImages {
            let t = Tensor(uninitialized: [range.count, features])
            var table = [Float](repeating: 0, count: 256)
            for i in 0..<256 { table[i] = Float(i) / 255 }
            images.raw.withUnsafeBufferPointer { raw in
                table.withUnsafeBufferPointer { lut in
                    let src = raw.baseAddress! + images.payloadOffset + range.lowerBound * features
                    let dst = t.data
                    for i in 0..<(range.count * features) { dst[i] = lut[Int(src[i])] }
                }
            }
            return try LabeledImages(images: t, labels: Array(labels[range]), classes: classes, source: imagePath)
        }
    }

    private static func readPair(directory: String?, prefix: String) throws -> Pair {
        let imagePath = try locate(directory, "\(prefix)-images-idx3-ubyte")
        let labelPath = try locate(directory, "\(prefix)-labels-idx1-ubyte")
        let imageIDX = try IDXArray.read(imagePath, rank: 3)
        let labelIDX = try IDXArray.read(labelPath, rank: 1)
        guard imageIDX.dims[1] == side, imageIDX.dims[2] == side else {
            throw DataError(imagePath, expected: "images of \(side)×\(side) pixels",
                            found: "\(imageIDX.dims[1])×\(imageIDX.dims[2]) (dims \(imageIDX.dims))")
        }
        let n = imageIDX.dims[0]
        guard labelIDX.dims[0] == n else {
            throw DataError(labelPath, expected: "\(n) labels, one per image in \(imagePath)", found: "\(labelIDX.dims[0]) labels")
        }
        let labels = labelIDX.payload.map { Int32($0) }
        if let bad = labels.firstIndex(where: { $0 >= Int32(classes) }) {
            throw DataError(labelPath, expected: "labels in 0..<\(classes)", found: "label \(labels[bad]) at index \(bad)")
        }
        return Pair(images: imageIDX, labels: labels, imagePath: imagePath)
    }

    private static func path(_ directory: String?, _ name: String) -> String {
        (self.directory(directory) as NSString).appendingPathComponent(name)
    }

    /// The gzip file if present, else the uncompressed one.
    private static func locate(_ directory: String?, _ name: String) throws -> String {
        let base = path(directory, name)
        for candidate in [base + ".gz", base] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw DataError(base + ".gz", expected: "a Fashion-MNIST IDX file (gzip or not)", found: "no such file",
                        hint: "set \(environmentVariable) or run tools/bootstrap (installs dataset-fashion-mnist)")
    }
}
