// FashionMNIST: loads the Fashion-MNIST IDX files into train (first 55,000), val (last 5,000) and test (10,000) splits.
import Foundation

public enum FashionMNIST {
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    public static let environmentVariable = "CONDENSE_FASHION_DIR"
    public static let side = 28
    public static let features = 784
    public static let classes = 10
    /// The validation split is the last this-many training images (DESIGN.md).
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
        let all = try loadFiles(directory: directory, prefix: "train")
        guard all.count > validationCount else {
            throw DataError(path(directory, "train-images-idx3-ubyte"),
                            expected: "more than \(validationCount) training images (the last \(validationCount) are the validation split)",
                            found: "\(all.count)")
        }
        let cut = all.count - validationCount
        return (all.slice(0..<cut), all.slice(cut..<all.count))
    }

    /// Reads `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]` and checks they agree.
    public static func loadFiles(directory: String? = nil, prefix: String) throws -> LabeledImages {
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
        return try LabeledImages(images: toUnitFloats(imageIDX, rows: n), labels: labels, classes: classes, source: imagePath)
    }

    /// uint8 pixels → Float x/255, shape (n, 784).
    private static func toUnitFloats(_ idx: IDXArray, rows: Int) -> Tensor {
        let t = Tensor(uninitialized: [rows, features])
        var table = [Float](repeating: 0, count: 256)
        for i in 0..<256 { table[i] = Float(i) / 255 }
        idx.raw.withUnsafeBufferPointer { raw in
            table.withUnsafeBufferPointer { lut in
                let src = raw.baseAddress! + idx.payloadOffset
                let dst = t.data
                for i in 0..<(rows * features) { dst[i] = lut[Int(src[i])] }
            }
        }
        return t
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
