// PredictTests: `condense predict` against the independent numpy reference (tools/reference_forward.py), and its input errors.
import Foundation
import Testing
import TestSupport
import HDF5

@Suite struct PredictTests {
    /// The derived bound of each case (FloatBounds.forward against the float64 reference, as a fraction of
    /// max|logit|): MLPs have one reduction per layer, of length ≤ the widest input; GPTs gptReductions(layers), of
    /// length ≤ max(n_embd, heads·head_dim, ffn_hidden, T). Bugs this test catches (a wrong layer order, a missing
    /// bias, an unmasked position, a wrong GELU or LayerNorm formula) move logits by far more than these bounds
    /// (≤ 1.1e-3 of the scale, for the widest case).
    static let bounds: [String: Double] = [
        "mlp-relu": FloatBounds.forward(reductions: 3, length: 32),
        "mlp-gelu": FloatBounds.forward(reductions: 2, length: 12),
        "gpt": FloatBounds.forward(reductions: FloatBounds.gptReductions(layers: 2), length: 128),
        "gpt-decoupled": FloatBounds.forward(reductions: FloatBounds.gptReductions(layers: 2), length: 37),
        "gpt-nobias-untied": FloatBounds.forward(reductions: FloatBounds.gptReductions(layers: 2), length: 40),
        "gpt-tied-copy-legacy-mask": FloatBounds.forward(reductions: FloatBounds.gptReductions(layers: 1), length: 32),
    ]

    static let cases: [(String, [String])] = [
        ("mlp-relu", ["--family", "mlp", "--inputs", "20", "--hidden", "32,16", "--classes", "5", "--batch", "6"]),
        ("mlp-gelu", ["--family", "mlp", "--inputs", "12", "--hidden", "9", "--classes", "3", "--activation", "gelu", "--batch", "4"]),
        ("gpt", ["--family", "gpt", "--n-layer", "2", "--n-head", "4", "--head-dim", "8", "--n-embd", "32",
                 "--ffn-hidden", "128", "--block-size", "16", "--vocab-size", "11", "--batch", "3", "--seq", "16"]),
        ("gpt-decoupled", ["--family", "gpt", "--n-layer", "2", "--n-head", "3", "--head-dim", "5", "--n-embd", "24",
                           "--ffn-hidden", "37", "--block-size", "12", "--vocab-size", "13", "--batch", "2", "--seq", "9"]),
        ("gpt-nobias-untied", ["--family", "gpt", "--n-layer", "2", "--n-head", "2", "--head-dim", "8", "--n-embd", "16",
                               "--ffn-hidden", "40", "--block-size", "10", "--vocab-size", "9", "--no-bias", "--no-tie",
                               "--batch", "2", "--seq", "10"]),
        ("gpt-tied-copy-legacy-mask", ["--family", "gpt", "--n-layer", "1", "--n-head", "2", "--head-dim", "4", "--n-embd", "8",
                                       "--ffn-hidden", "32", "--block-size", "8", "--vocab-size", "7", "--lm-head", "copy",
                                       "--legacy-mask", "--batch", "2", "--seq", "8"]),
    ]

    @Test(arguments: cases.map(\.0))
    func logitsMatchTheNumpyReference(_ name: String) throws {
        let args = Self.cases.first { $0.0 == name }!.1
        let dir = TestSupport.tempDir("predict")
        let model = dir.appendingPathComponent("m.h5").path, input = dir.appendingPathComponent("in.h5").path
        try TestSupport.tool("make_test_model.py", args + ["--seed", "3", "--input", input, model])
        let ours = dir.appendingPathComponent("ours.h5").path, ref = dir.appendingPathComponent("ref.h5").path
        let r = try TestSupport.condense(["predict", model, "--input", input, "--output", ours])
        #expect(r.status == 0, "\(r.stderr)")
        try TestSupport.tool("reference_forward.py", [model, input, ref])
        let a = try TestSupport.readLogits(ours), b = try TestSupport.readLogits(ref)
        #expect(a.shape == b.shape)
        let worst = FloatBounds.maxErrorOverScale(a.values, b.values), bound = Self.bounds[name]!
        #expect(worst <= bound, "max |Δlogit| / max|logit| \(worst) > derived bound \(bound)")
        #expect(b.values.contains { abs($0) > 0.1 }, "reference logits are trivially small")
    }

    func writeInput(_ script: String) throws -> String {
        let path = TestSupport.tempDir("predict").appendingPathComponent("in.h5").path
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", "import h5py, numpy as np, sys\nf = h5py.File(sys.argv[1], 'w')\n" + script, path])
        #expect(r.status == 0, "\(r.stderr)")
        return path
    }

    func gptModel() throws -> String {
        let path = TestSupport.tempDir("predict").appendingPathComponent("g.h5").path
        try TestSupport.tool("make_test_model.py", ["--family", "gpt", "--n-layer", "1", "--n-head", "2", "--head-dim", "4",
                                                    "--n-embd", "8", "--ffn-hidden", "16", "--block-size", "8", "--vocab-size", "7", path])
        return path
    }

    func expectError(_ args: [String], _ fragments: [String]) throws {
        let out = TestSupport.tempDir("predict").appendingPathComponent("out.h5").path
        let r = try TestSupport.condense(args + ["--output", out])
        #expect(!r.signaled && (1...125).contains(r.status), "exit \(r.status)")
        for f in fragments { #expect(r.stderr.contains(f), "expected \(f.debugDescription) in \(r.stderr)") }
        #expect(!FileManager.default.fileExists(atPath: out), "no partial output")
    }

    @Test func tokenOutOfVocabularyIsRefused() throws {
        let input = try writeInput("f['input'] = np.array([[1, 2, 7]], dtype=np.int64)")
        try expectError(["predict", try gptModel(), "--input", input], ["token id 7 at (0, 2)", "outside the vocabulary [0, 7)"])
    }

    @Test func sequenceBeyondBlockSizeIsRefused() throws {
        let input = try writeInput("f['input'] = np.zeros((1, 9), dtype=np.int32)")
        try expectError(["predict", try gptModel(), "--input", input], ["T = 9 exceeds the model's block_size 8"])
    }

    @Test func wrongFeatureWidthIsRefused() throws {
        let model = TestSupport.tempDir("predict").appendingPathComponent("m.h5").path
        try TestSupport.tool("make_test_model.py", ["--family", "mlp", "--inputs", "784", "--hidden", "8", "--classes", "10", model])
        let input = try writeInput("f['input'] = np.zeros((2, 783), dtype=np.float32)")
        try expectError(["predict", model, "--input", input], ["expected shape (B, 784)", "found [2, 783]"])
    }

    @Test func missingInputDatasetIsRefused() throws {
        let input = try writeInput("f['x'] = np.zeros((1, 3), dtype=np.int32)")
        try expectError(["predict", try gptModel(), "--input", input], ["/input: missing dataset"])
    }
}
