// KerasErrorTests: unsupported layers, broken archives, zip bombs and traversal entries: one clear line each, exit 1.
import Foundation
import TestSupport
import XCTest

final class KerasErrorTests: XCTestCase {
    static let bad: URL = {
        let dir = TestSupport.tempDir("keras-bad")
        try! TestSupport.tool("make_bad_keras.py", [Fixture.path("tiny.keras"), dir.path])
        return dir
    }()

    /// `condense inspect` on `path` fails with exit 1 and one stderr line holding every fragment.
    func expectError(_ path: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try TestSupport.condense(["inspect", path])
        XCTAssertEqual(r.status, 1, r.stdout, file: file, line: line)
        XCTAssertFalse(r.signaled, file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr, file: file, line: line)
        for f in fragments + [path] { XCTAssertTrue(r.stderr.contains(f), "missing \"\(f)\" in: \(r.stderr)", file: file, line: line) }
    }

    func testUnsupportedLayersNameTheLayerAndClass() throws {
        try expectError(Fixture.path("conv2d.keras"), ["'conv'", "Conv2D", "config.json"])
        try expectError(Fixture.path("lstm.h5"), ["'lstm'", "LSTM", "model_config"])
    }

    func testMissingAndCorruptWeights() throws {
        try expectError(Self.bad.appendingPathComponent("no-weights.keras").path, ["model.weights.h5", "missing"])
        try expectError(Self.bad.appendingPathComponent("corrupt-weights.keras").path, ["model.weights.h5", "corrupt"])
        try expectError(Self.bad.appendingPathComponent("truncated-weights.keras").path, ["model.weights.h5", "truncated"])
        try expectError(Self.bad.appendingPathComponent("not-zip.keras").path, ["not an HDF5 file"])
    }

    func testZipBombsAndTraversalAreRefusedWithoutWritingAnything() throws {
        let cwd = TestSupport.packageRoot
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: Self.bad.path))
        try expectError(Self.bad.appendingPathComponent("bomb.keras").path, ["model.weights.h5", "inflates past its declared 1000 bytes", "zip bomb"])
        try expectError(Self.bad.appendingPathComponent("huge.keras").path, ["config.json", "declares 4294967294 bytes", "zip bomb"])
        try expectError(Self.bad.appendingPathComponent("traversal.keras").path, ["../../evil.txt", "path-traversal"])
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: Self.bad.path)), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cwd.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("evil.txt").path))
    }

    func testAnExportTargetThatCannotHoldTheModel() throws {
        let dir = TestSupport.tempDir("export-bad")
        let gpt = dir.appendingPathComponent("g.h5").path, narrow = dir.appendingPathComponent("narrow.h5").path
        try TestSupport.tool("make_test_model.py", ["--family", "gpt", "--n-layer", "1", "--n-head", "2", "--head-dim", "4", "--n-embd", "8",
                                                    "--ffn-hidden", "16", "--block-size", "8", "--vocab-size", "5", gpt])
        try TestSupport.tool("make_test_model.py", ["--family", "gpt", "--n-layer", "1", "--n-head", "2", "--head-dim", "3", "--n-embd", "8",
                                                    "--ffn-hidden", "16", "--block-size", "8", "--vocab-size", "5", narrow])
        let cases: [([String], [String])] = [
            (["export", gpt, "-o", dir.appendingPathComponent("g.keras").path, "--to", "keras"], ["MLPs only", "gpt"]),
            (["export", Fixture.path("tiny.keras"), "-o", dir.appendingPathComponent("hf").path, "--to", "hf"], ["GPT-2", "mlp"]),
            (["export", narrow, "-o", dir.appendingPathComponent("hf2").path, "--to", "hf"], ["n_head·head_dim = n_embd", "2·3 = 6 ≠ n_embd 8"]),
            (["export", gpt, "-o", dir.appendingPathComponent("x").path, "--to", "tflite"], ["keras, onnx, hf", "tflite"]),
        ]
        for (args, fragments) in cases {
            let r = try TestSupport.condense(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stdout)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            for f in fragments { XCTAssertTrue(r.stderr.contains(f), "missing \"\(f)\" in: \(r.stderr)") }
        }
        // Nothing was written for the refused exports.
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), ["g.h5", "narrow.h5"])
    }
}
