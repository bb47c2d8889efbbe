// QuantizeCommandTests: `condense quantize` end to end: the int8 file runs in predict and agrees with the numpy reference.
import Foundation
import Testing
import TestSupport
import HDF5

@Suite struct QuantizeCommandTests {
    /// Models that fit the real data sets (calibration and validation need them): Fashion-MNIST and Shakespeare.
    static let models: [(String, [String])] = [
        ("mlp", ["--family", "mlp", "--inputs", "784", "--hidden", "48,24", "--classes", "10", "--batch", "6"]),
        ("mlp-gelu", ["--family", "mlp", "--inputs", "784", "--hidden", "40", "--classes", "10", "--activation", "gelu", "--batch", "5"]),
        ("gpt-decoupled-untied", ["--family", "gpt", "--n-layer", "2", "--n-head", "3", "--head-dim", "5", "--n-embd", "24",
                                  "--ffn-hidden", "37", "--block-size", "16", "--vocab-size", "84", "--no-tie", "--no-bias",
                                  "--batch", "2", "--seq", "16"]),
        ("gpt", ["--family", "gpt", "--n-layer", "2", "--n-head", "4", "--head-dim", "8", "--n-embd", "32",
                 "--ffn-hidden", "64", "--block-size", "16", "--vocab-size", "84", "--batch", "3", "--seq", "12"]),
    ]
    static let schemes: [(String, [String])] = [
        ("dynamic", []),
        ("static-mse-smoothquant", ["--activations", "static", "--calibration", "mse", "--smoothquant", "0.5"]),
    ]
    static let quick = ["--calibration-batches", "2", "--calibration-batch-size", "4", "--val-batches", "1", "--no-latency"]

    /// The int8 model through `predict` (our kernel) against tools/reference_forward.py, which recomputes each int8
    /// layer from the file's definition in numpy: per-row scales, round-half-even, exact integer dot products.
    /// The reference keeps float64 between layers while we keep float32, so an activation lying within ~1e-7 of a
    /// rounding boundary may round the other way; one such flip moves a logit by about s_x·s_w·|q_w| ≈ max|x|·max|w|/127,
    /// against a logit scale of about √K·|x|·|w|: ≲ 1e-3 of the scale for K ≥ 32 (flips are rare: a float32 error of
    /// ~1e-6 of a grid step of max|x|/127 flips an element with probability ~3e-4). Beside that, the float32 layers
    /// (LayerNorm, attention, the kept float layers) carry FloatBounds.forward's error, ≤ 5.5e-4 of the scale for the
    /// largest fixture (GPT, 2 blocks, K ≤ 64). Both as fractions of max|logit|: 1e-3 + that forward bound.
    @Test(arguments: models.map(\.0), schemes.map(\.0))
    func int8LogitsMatchTheNumpyReference(_ model: String, _ scheme: String) throws {
        let dir = TestSupport.tempDir("quantize")
        let m = dir.appendingPathComponent("m.h5").path, input = dir.appendingPathComponent("in.h5").path
        let q = dir.appendingPathComponent("m.int8.h5").path
        try TestSupport.tool("make_test_model.py", Self.models.first { $0.0 == model }!.1 + ["--seed", "5", "--input", input, m])
        let before = try Data(contentsOf: URL(fileURLWithPath: m))
        let r = try TestSupport.condense(["quantize", m, "-o", q] + Self.quick + Self.schemes.first { $0.0 == scheme }!.1)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: m)) == before, "the input model is never modified")
        let ours = dir.appendingPathComponent("ours.h5").path, ref = dir.appendingPathComponent("ref.h5").path
        let p = try TestSupport.condense(["predict", q, "--input", input, "--output", ours])
        #expect(p.status == 0, "\(p.stderr)")
        try TestSupport.tool("reference_forward.py", [q, input, ref])
        let a = try TestSupport.readLogits(ours), b = try TestSupport.readLogits(ref)
        #expect(a.shape == b.shape)
        let worst = FloatBounds.maxErrorOverScale(a.values, b.values)
        let bound = 1e-3 + FloatBounds.forward(reductions: FloatBounds.gptReductions(layers: 2), length: 64)
        #expect(worst <= bound, "max |Δlogit| / max|logit| \(worst) > bound \(bound)")
        // and the int8 file really holds int8 weights, a quarter of the float bytes
        let file = try HDF5.File(openReadOnly: q)
        let w = try file.root.allDatasetPaths().filter { $0.hasSuffix("/qweight") }
        #expect(!w.isEmpty)
        for path in w { #expect(try file.root.dataset(path).dtype == .int8) }
    }

    func expectError(_ args: [String], _ fragments: [String]) throws {
        let out = TestSupport.tempDir("quantize").appendingPathComponent("out.h5").path
        let r = try TestSupport.condense(args + ["-o", out] + Self.quick)
        #expect(!r.signaled && (1...125).contains(r.status), "exit \(r.status)")
        for f in fragments { #expect(r.stderr.contains(f), "expected \(f.debugDescription) in \(r.stderr)") }
        #expect(!FileManager.default.fileExists(atPath: out), "no partial output")
    }

    func mlpModel() throws -> String {
        let path = TestSupport.tempDir("quantize").appendingPathComponent("m.h5").path
        try TestSupport.tool("make_test_model.py", ["--family", "mlp", "--inputs", "784", "--hidden", "16", "--classes", "10", path])
        return path
    }

    @Test func alreadyQuantizedModelIsRefused() throws {
        let m = try mlpModel()
        let q = TestSupport.tempDir("quantize").appendingPathComponent("q.h5").path
        #expect(try TestSupport.condense(["quantize", m, "-o", q] + Self.quick).status == 0)
        try expectError(["quantize", q], ["already quantized", "layers/0 holds int8 qweight"])
    }

    @Test func unknownSchemeAndMethodAreRefused() throws {
        let m = try mlpModel()
        try expectError(["quantize", m, "--activations", "int4"], ["--activations", "dynamic or static", "\"int4\""])
        try expectError(["quantize", m, "--activations", "static", "--calibration", "entropy"], ["--calibration", "minmax, percentile or mse", "\"entropy\""])
        try expectError(["quantize", m, "--smoothquant", "1.5"], ["--smoothquant", "[0, 1]", "1.5"])
        try expectError(["quantize", m, "--percentile", "0"], ["--percentile", "(0, 100]"])
        try expectError(["quantize", m, "--weight-bits", "6"], ["quantize: --weight-bits: expected 8 or 7", "6"])
        // The config names its keys bare; the command spells each as its flag.
        try expectError(["quantize", m, "--keep", "a b"], ["quantize: --keep: expected a layer pattern of letters", "found \"a b\""])
    }

    @Test func sevenBitWeightsAreRecordedAndShownByInspect() throws {
        let m = try mlpModel()
        let q = TestSupport.tempDir("quantize").appendingPathComponent("q7.h5").path
        let r = try TestSupport.condense(["quantize", m, "-o", q, "--weight-bits", "7"] + Self.quick)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("7-bit weights in [−63, 63]"), "\(r.stdout)")
        let i = try TestSupport.condense(["inspect", q])
        #expect(i.status == 0 && i.stdout.contains("weight_bits 7"), "\(i.stdout)")
        let file = try HDF5.File(openReadOnly: q)
        let w = try file.root.dataset("layers/0/qweight").read(as: Int8.self)
        #expect(!w.isEmpty && w.allSatisfy { (-63...63).contains($0) })
    }

    @Test func keepPatternThatMatchesNothingIsRefused() throws {
        try expectError(["quantize", try mlpModel(), "--keep", "*/c_fc"], ["--keep \"*/c_fc\" matches no linear layer", "layers/0, layers/1"])
        try expectError(["quantize", try mlpModel(), "--keep", "layers/*"], ["nothing is left to quantize"])
    }

    @Test func nonFiniteWeightIsRefused() throws {
        let m = try mlpModel()
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", "import h5py, sys\nf = h5py.File(sys.argv[1], 'r+')\nf['layers/1/weight'][3, 4] = float('nan')", m])
        #expect(r.status == 0, "\(r.stderr)")
        try expectError(["quantize", m], ["layers/1/weight: element [3, 4] is nan", "finite"])
    }

    @Test func calibrationDataOfTheWrongShapeIsRefused() throws {
        let m = try mlpModel()
        let input = TestSupport.tempDir("quantize").appendingPathComponent("cal.h5").path
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", "import h5py, numpy as np, sys\nf = h5py.File(sys.argv[1], 'w')\nf['input'] = np.zeros((4, 100), dtype=np.float32)", input])
        #expect(r.status == 0, "\(r.stderr)")
        try expectError(["quantize", m, "--activations", "static", "--calibration-data", input],
                        ["--calibration-data", "expected shape (B, 784)", "found [4, 100]"])
    }

    @Test func dataThatDoesNotFitTheModelIsRefused() throws {
        try expectError(["quantize", try mlpModel(), "--data", "shakespeare"], ["does not fit", "mlp"])
    }
}
