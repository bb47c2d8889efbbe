// KerasImportTests: Keras-made fixtures (.keras, functional .keras, legacy .h5) read and run as Keras runs them.
import CondenseCore
import Foundation
import HDF5
import Interop
import TestSupport
import XCTest

final class KerasImportTests: XCTestCase {
    struct Expected: Decodable { let input: [[Float]]; let logits: [[Float]] }

    /// The fixture's input batch and Keras's own outputs for it (tools/make_keras_fixtures.py).
    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: Fixture.path("expected.json"))))
    }

    static func writeInput(_ rows: [[Float]], to path: String) throws {
        let f = try HDF5.File(create: path)
        _ = try f.root.createDataset("input", shape: [rows.count, rows[0].count], values: rows.flatMap { $0 })
    }

    func testArchiveLegacyAndFunctionalGiveKerasOutputs() throws {
        let e = try Self.expected()
        let dir = TestSupport.tempDir("keras-in")
        let input = dir.appendingPathComponent("in.h5").path
        try Self.writeInput(e.input, to: input)
        for name in ["tiny.keras", "tiny-legacy.h5", "tiny-functional.keras"] {
            let out = dir.appendingPathComponent("\(name).out.h5").path
            let r = try TestSupport.condense(["predict", Fixture.path(name), "--input", input, "--output", out])
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            let (shape, y) = try TestSupport.readLogits(out)
            XCTAssertEqual(shape, [4, 3])
            // Keras (torch backend) and Condense both compute in float32 over reductions of at most 6 terms with
            // O(1) weights and inputs, three layers deep: each layer adds a relative error of about K·eps =
            // 6 · 6e-8, and the two exact-GELU implementations (erf) differ by a few ulp. 1e-5 absolute on
            // logits of magnitude ≤ 2 is over 10x that sum.
            for (i, row) in e.logits.enumerated() {
                for (j, v) in row.enumerated() { XCTAssertEqual(y[i * 3 + j], v, accuracy: 1e-5, "\(name) [\(i), \(j)]") }
            }
        }
    }

    func testMappingIsTheKernelTransposedAndDetectedByContent() throws {
        let m = try ModelSource.read(Fixture.path("tiny.keras"))
        guard case .mlp(let c) = m.architecture else { return XCTFail("expected an mlp") }
        XCTAssertEqual(c.widths, [6, 5, 4, 3])
        XCTAssertEqual(c.activation, .gelu)
        XCTAssertEqual(c.dropout, 0.25)
        // The last Dense has use_bias=False: a zero bias stands in.
        XCTAssertEqual(m.parameters["layers/2/bias"]!.array, [0, 0, 0])
        // Nonzero fixture biases: linspace(-0.5, 0.5, 5).
        XCTAssertEqual(m.parameters["layers/0/bias"]!.array, [-0.5, -0.25, 0, 0.25, 0.5])
        XCTAssertEqual(try ModelSource.detect(Fixture.path("tiny.keras")), .kerasArchive)
        XCTAssertEqual(try ModelSource.detect(Fixture.path("tiny-legacy.h5")), .kerasH5)
        // Content, not extension: the archive under an .h5 name is still read as an archive.
        let dir = TestSupport.tempDir("keras-ext")
        let renamed = dir.appendingPathComponent("model.h5").path
        try FileManager.default.copyItem(atPath: Fixture.path("tiny.keras"), toPath: renamed)
        XCTAssertEqual(try ModelSource.detect(renamed), .kerasArchive)
        let legacy = try ModelSource.read(Fixture.path("tiny-legacy.h5"))
        for (k, v) in m.parameters { XCTAssertEqual(legacy.parameters[k]!.array, v.array, k) }
    }

    /// Keras finds a legacy layer's weights by its `weight_names` attribute, in order, not by dataset names: a file
    /// whose datasets are named W:0 / b:0 (listed as fixed-length byte strings, as Keras 2 writes them) loads exactly
    /// as the original; a name that points nowhere, or a wrong count, is one error naming the attribute or dataset.
    func testLegacyWeightsAreFoundByWeightNames() throws {
        let dir = TestSupport.tempDir("keras-weight-names")
        try TestSupport.tool("keras_legacy_variants.py", [Fixture.path("tiny-legacy.h5"), dir.path])
        let good = try ModelSource.read(Fixture.path("tiny-legacy.h5"))
        let renamed = try ModelSource.read(dir.appendingPathComponent("renamed.h5").path)
        XCTAssertEqual(renamed.parameters.keys.sorted(), good.parameters.keys.sorted())
        for (k, v) in good.parameters { XCTAssertEqual(renamed.parameters[k]!.array, v.array, k) }
        let cases = [("dangling.h5", "model_weights/d0/nowhere/W:0: missing the kernel of Dense layer 'd0'"),
                     ("extra.h5", "model_weights/d0.weight_names: expected 2 weights (kernel, bias) for Dense 'd0'")]
        for (name, expected) in cases {
            let path = dir.appendingPathComponent(name).path
            XCTAssertThrowsError(try ModelSource.read(path), name) { e in
                XCTAssertTrue("\(e)".contains(expected), "\(name): \(e)")
            }
        }
    }

    func testInspectShowsTheMappedModelAndLeavesTheInputAlone() throws {
        let before = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("tiny.keras")))
        let r = try TestSupport.condense(["inspect", Fixture.path("tiny.keras")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("layers/0/weight  (5, 6)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("parameters: 74"), r.stdout)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: Fixture.path("tiny.keras"))), before)
    }

    func testInMemoryHDF5ImageRoundTrip() throws {
        let f = try HDF5.File.createInMemory(name: "mem")
        _ = try f.root.createGroup("g").createDataset("x", shape: [2, 2], values: [Float(1), 2, 3, 4])
        let bytes = try f.image()
        let back = try HDF5.File(image: bytes, name: "copy")
        XCTAssertEqual(try back.root.dataset("g/x").read(as: Float.self), [1, 2, 3, 4])
        XCTAssertThrowsError(try HDF5.File(image: Array(bytes.prefix(600)), name: "short")) { e in
            XCTAssertTrue("\(e)".contains("truncated or corrupt"), "\(e)")
        }
        XCTAssertThrowsError(try HDF5.File(image: [1, 2, 3], name: "junk")) { e in
            XCTAssertTrue("\(e)".contains("not an HDF5 file"), "\(e)")
        }
    }
}
