// DataFashionMNISTTests: the Fashion-MNIST loader on small temp files (each bad case) and on the real data set.
import Foundation
import Testing
@testable import CondenseCore

@Suite struct DataFashionMNISTTests {
    @Test func loadsSmallFilesAsUnitFloatsAndLabels() throws {
        let dir = try DataFixtures.tempDirectory("fm")
        defer { DataFixtures.remove(dir) }
        try DataFixtures.writeFashion(dir, prefix: "t10k", images: 3)
        let test = try FashionMNIST.load(.test, directory: dir)
        #expect(test.images.shape == [3, 784])
        #expect(test.labels == [0, 1, 2])
        #expect(test.images[0] == 0)
        #expect(test.images[784 + 254] == 1)  // image 1, pixel 254: value 255
        #expect(test.images[784 + 1] == Float(2) / 255)
    }

    @Test func trainAndValAreTheFirstAndLastTrainingImages() throws {
        let dir = try DataFixtures.tempDirectory("fmsplit")
        defer { DataFixtures.remove(dir) }
        try DataFixtures.writeFashion(dir, prefix: "train", images: 12)
        let (train, val) = try FashionMNIST.loadTrainVal(directory: dir, validationCount: 5)
        #expect(train.count == 7 && val.count == 5)
        #expect(train.labels == [0, 1, 2, 3, 4, 5, 6])
        #expect(val.labels == [7, 8, 9, 0, 1])
        #expect(val.images[0] == Float(7) / 255)  // image 7, pixel 0
        let tooFew = DataFixtures.dataError { _ = try FashionMNIST.loadTrainVal(directory: dir, validationCount: 12) }
        #expect(tooFew?.contains("more than 12 training images") == true)
    }

    @Test func imageAndLabelCountsMustMatch() throws {
        let dir = try DataFixtures.tempDirectory("fmcount")
        defer { DataFixtures.remove(dir) }
        try DataFixtures.writeFashion(dir, prefix: "t10k", images: 4, labels: [1, 2, 3])
        let message = DataFixtures.dataError { _ = try FashionMNIST.load(.test, directory: dir) }
        #expect(message?.hasPrefix("\(dir)/t10k-labels-idx1-ubyte.gz: expected 4 labels, one per image") == true)
        #expect(message?.hasSuffix("found 3 labels") == true)
    }

    @Test func labelsMustBeBelowTen() throws {
        let dir = try DataFixtures.tempDirectory("fmlabel")
        defer { DataFixtures.remove(dir) }
        try DataFixtures.writeFashion(dir, prefix: "t10k", images: 3, labels: [1, 10, 2])
        let message = DataFixtures.dataError { _ = try FashionMNIST.load(.test, directory: dir) }
        #expect(message == "\(dir)/t10k-labels-idx1-ubyte.gz: expected labels in 0..<10, found label 10 at index 1")
    }

    @Test func imagesMustBe28By28() throws {
        let dir = try DataFixtures.tempDirectory("fmside")
        defer { DataFixtures.remove(dir) }
        try DataFixtures.write(DataFixtures.gzip(DataFixtures.idx(dims: [1, 27, 29], payload: .init(repeating: 0, count: 783))),
                               to: "\(dir)/t10k-images-idx3-ubyte.gz")
        try DataFixtures.write(DataFixtures.gzip(DataFixtures.idx(dims: [1], payload: [0])), to: "\(dir)/t10k-labels-idx1-ubyte.gz")
        let message = DataFixtures.dataError { _ = try FashionMNIST.load(.test, directory: dir) }
        #expect(message?.contains("expected images of 28×28 pixels, found 27×29") == true)
    }

    @Test func truncatedAndCorruptFilesNameTheFile() throws {
        let dir = try DataFixtures.tempDirectory("fmbad")
        defer { DataFixtures.remove(dir) }
        try DataFixtures.writeFashion(dir, prefix: "t10k", images: 20)
        let images = "\(dir)/t10k-images-idx3-ubyte.gz"
        let gz = [UInt8](try Data(contentsOf: URL(fileURLWithPath: images)))
        try DataFixtures.write(Array(gz.prefix(gz.count / 2)), to: images)
        let truncated = DataFixtures.dataError { _ = try FashionMNIST.load(.test, directory: dir) }
        #expect(truncated?.hasPrefix(images + ": ") == true)
        #expect(truncated?.contains("truncated gzip") == true)
        // An uncompressed IDX whose payload is short is a truncated payload, also named by file.
        try FileManager.default.removeItem(atPath: images)
        try DataFixtures.write(DataFixtures.idx(dims: [20, 28, 28], payload: .init(repeating: 0, count: 784 * 19)),
                               to: "\(dir)/t10k-images-idx3-ubyte")
        let short = DataFixtures.dataError { _ = try FashionMNIST.load(.test, directory: dir) }
        #expect(short?.hasPrefix("\(dir)/t10k-images-idx3-ubyte: ") == true)
        #expect(short?.contains("truncated IDX payload") == true)
    }

    @Test func missingDirectorySaysWhatToDo() {
        let message = DataFixtures.dataError { _ = try FashionMNIST.load(.test, directory: "/nonexistent/fm") }
        #expect(message?.hasPrefix("/nonexistent/fm/t10k-images-idx3-ubyte.gz: expected a Fashion-MNIST IDX file") == true)
        #expect(message?.contains("CONDENSE_FASHION_DIR") == true)
        #expect(message?.contains("tools/bootstrap") == true)
    }

    @Test func directoryPrecedenceIsArgumentThenEnvironmentThenDefault() {
        let env = ["CONDENSE_FASHION_DIR": "/env/fm"]
        #expect(FashionMNIST.directory("/arg", environment: env) == "/arg")
        #expect(FashionMNIST.directory(nil, environment: env) == "/env/fm")
        #expect(FashionMNIST.directory(nil, environment: [:]) == "/usr/share/datasets/fashion-mnist")
    }

    @Test func realSplitsHaveTheDesignSizesAndABalancedTestSet() throws {
        let (train, val) = try FashionMNIST.loadTrainVal()
        let test = try FashionMNIST.load(.test)
        #expect(train.count == 55_000 && val.count == 5_000 && test.count == 10_000)
        #expect(train.images.shape == [55_000, 784] && test.images.shape == [10_000, 784])
        #expect(test.classCounts == [Int](repeating: 1_000, count: 10))
        let trainTotal: Int = train.classCounts.reduce(0, +)
        let valTotal: Int = val.classCounts.reduce(0, +)
        #expect(trainTotal == 55_000 && valTotal == 5_000)
        let pixels = test.images.buffer
        #expect(pixels.min() == 0 && pixels.max() == 1)
    }
}
