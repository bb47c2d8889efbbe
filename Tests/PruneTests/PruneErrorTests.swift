// PruneErrorTests: every bad prune request is one clear error naming the option, what was expected and what was found.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Prune

@Suite struct PruneErrorTests {
    static func gptError(_ edit: (inout PruneConfig) -> Void) -> String {
        var c = Fixture.quick
        edit(&c)
        return Fixture.message { _ = try prune(Fixture.gpt(), config: c, data: Fixture.text) }
    }

    static func mlpError(_ edit: (inout PruneConfig) -> Void) -> String {
        var c = Fixture.quick
        edit(&c)
        return Fixture.message { _ = try prune(Fixture.mlp(), config: c, data: Fixture.fashion) }
    }

    @Test func targetLargerThanTheModel() {
        #expect(Self.gptError { $0.ffn = "128" } == "--ffn: target 128 is larger than the model's 64 ffn neurons")
        #expect(Self.gptError { $0.heads = "5" } == "--heads: target 5 is larger than the model's 4 heads")
        #expect(Self.gptError { $0.layers = "4" } == "--layers: target 4 is larger than the model's 3 layers")
        #expect(Self.gptError { $0.target_params = "200%" }.hasPrefix("--target-params: target "))
        #expect(Self.gptError { $0.target_params = "200%" }.contains("is larger than the model's"))
        #expect(Self.mlpError { $0.hidden = "49" } == "--hidden: target 49 is larger than the model's 48 units in hidden layer 0")
    }

    @Test func removingEveryLayer() {
        #expect(Self.gptError { $0.drop_layers = [0, 1, 2] } == "--drop-layers: removing every layer (all 3) is not allowed; keep at least 1")
        #expect(Self.gptError { $0.layers = "0" } == "--layers: keeping 0 layers would remove every layer; keep at least 1 of 3")
    }

    @Test func headsAndEmbeddingBelowOne() {
        #expect(Self.gptError { $0.heads = "0" } == "--heads: expected ≥ 1 heads, found 0")
        #expect(Self.gptError { $0.heads = "-2" } == "--heads: expected ≥ 1 heads, found -2")
        #expect(Self.gptError { $0.embd = "0" } == "--embd: expected ≥ 1 embedding channels, found 0")
        #expect(Self.gptError { $0.embd = "1%" } == "--embd: expected ≥ 1 embedding channels, found 0")
    }

    @Test func unknownCriterion() {
        #expect(Self.gptError { $0.criterion = "magnitud" }
                == "--criterion: unknown criterion \"magnitud\"; expected one of activation, magnitude, taylor; did you mean \"magnitude\"?")
        #expect(Self.gptError { $0.layer_criterion = "cosine" }
                .hasPrefix("--layer-criterion: unknown criterion \"cosine\"; expected one of block_influence, loss, contiguous"))
    }

    @Test func indexOutOfRange() {
        #expect(Self.gptError { $0.drop_layers = [1, 3] } == "--drop-layers: index 3 is out of range; the model has layers 0..<3")
        #expect(Self.gptError { $0.drop_layers = [-1] } == "--drop-layers: index -1 is out of range; the model has layers 0..<3")
    }

    @Test func malformedTargetsAndMismatchedOptions() {
        #expect(Self.gptError { $0.ffn = "lots" } == "--ffn: expected a count or a ratio such as 50% or 0.5, found \"lots\"")
        #expect(Self.gptError { $0.hidden = "10" }.hasPrefix("--hidden applies to mlp models only"))
        #expect(Self.mlpError { $0.heads = "2" } == "--heads applies to gpt models only; this is an mlp model (use --hidden)")
        #expect(Self.mlpError { $0.hidden = "10,10,10" }.hasPrefix("--hidden: expected 1 or 2 comma-separated widths"))
        #expect(Self.gptError { $0.calibration_batches = 0 } == "prune: calibration_batches: expected ≥ 1, found 0")
    }

    @Test func calibrationDataThatDoesNotFit() {
        let small = makeNetwork(.gpt(GPTConfig(n_layer: 1, n_head: 1, head_dim: 4, n_embd: 4, ffn_hidden: 8, block_size: 8,
                                               vocab_size: 50)), seed: 1).modelFile()
        #expect(Fixture.message { _ = try prune(small, config: Fixture.quick, data: Fixture.text) }
                == "calibration data does not fit the model: model: architecture.vocab_size: expected 84 (the shakespeare vocabulary), found 50")
        let narrow = makeNetwork(.mlp(MLPConfig(inputs: 100, hidden: [8], classes: 10)), seed: 1).modelFile()
        #expect(Fixture.message { _ = try prune(narrow, config: Fixture.quick, data: Fixture.fashion) }
            .hasPrefix("calibration data does not fit the model: model: architecture: the model takes 100 features into 10 classes"))
        #expect(Fixture.message { _ = try prune(Fixture.mlp(), config: Fixture.quick, data: Fixture.text) }
            .contains("a mlp model does not fit the shakespeare data set"))
    }

    /// A quantized file (int8 `qweight` + `weight_scale` in a Linear group) is refused with a clear message.
    @Test func alreadyQuantizedModel() throws {
        let dir = TestSupport.tempDir("prune-q")
        let model = dir.appendingPathComponent("q.h5").path
        try TestSupport.tool("make_test_model.py", ["--family", "mlp", "--inputs", "784", "--hidden", "16", "--classes", "10", model])
        let q = try TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import h5py, numpy as np, sys
            f = h5py.File(sys.argv[1], 'a')
            w = f['layers/0/weight'][()]; del f['layers/0/weight']
            f['layers/0/qweight'] = np.clip(np.round(w * 127), -127, 127).astype(np.int8)
            f['layers/0/weight_scale'] = np.full(w.shape[0], 1 / 127, np.float32)
            f['layers/0'].attrs['quant'] = 'int8-per-channel'
            """, model])
        #expect(q.status == 0, "\(q.stderr)")
        let r = try TestSupport.condense(["prune", model, "-o", dir.appendingPathComponent("s.h5").path, "--hidden", "8"])
        #expect(r.status == 1)
        #expect(r.stderr.hasSuffix("/q.h5: layers/0: the model is already quantized (int8 qweight); prune a float model (prune comes before quantize)\n"), "\(r.stderr)")
        #expect(!r.signaled)
    }

    @Test func cliRejectsMalformedDropLayers() throws {
        let dir = TestSupport.tempDir("prune-cli")
        let model = dir.appendingPathComponent("g.h5").path
        try TestSupport.tool("make_test_model.py", ["--family", "gpt", "--n-layer", "2", "--n-head", "2", "--head-dim", "4",
                                                    "--n-embd", "8", "--block-size", "8", model])
        let r = try TestSupport.condense(["prune", model, "-o", dir.appendingPathComponent("s.h5").path, "--drop-layers", "1;2"])
        #expect(r.status == 1)
        #expect(r.stderr == "condense: error: --drop-layers: expected comma-separated block indices such as 2,3, found \"1;2\"\n")
        let r2 = try TestSupport.condense(["prune", model, "-o", dir.appendingPathComponent("s.h5").path, "--drop-layers", "5"])
        #expect(r2.stderr == "condense: error: --drop-layers: index 5 is out of range; the model has layers 0..<2\n")
    }
}

/// The config's checks that need no model, as the command line and a recipe see them: one ConfigError, its key
/// spelled as the flag or as the recipe path.
@Suite struct PruneConfigValidateTests {
    func message(_ edit: (inout PruneConfig) -> Void) -> String {
        var c = PruneConfig(); c.hidden = "50%"
        edit(&c)
        do { try c.validate(); return "no error" } catch { return "\(error)" }
    }

    @Test func eachCheckNamesItsKey() {
        #expect(message { _ in } == "no error")
        #expect(message { $0.criterion = "magnitud" } == "prune: criterion: expected one of activation, magnitude, taylor, found \"magnitud\"")
        #expect(message { $0.calibration_batch_size = 0 }.hasPrefix("prune: calibration_batch_size: expected"))
        #expect(message { $0.drop_layers = [-1] } == "prune: drop_layers: expected block indices ≥ 0, found [-1]")
        #expect(message { $0.ffn = "lots" } == "prune: ffn: expected a count (512) or a ratio (50% or 0.5), or empty, found \"lots\"")
        #expect(message { $0.hidden = "300,,100" }.hasPrefix("prune: hidden: expected widths as counts or ratios"))
        #expect(message { $0.target_params = "150%" }.hasPrefix("prune: target_params: expected a count"))
    }

    @Test func theCommandSpellsTheKeyAsItsFlag() throws {
        let r = try TestSupport.condense(["prune", "/nonexistent/m.h5", "-o", "/tmp/never.h5", "--hidden", "50%", "--calibration-batches", "0"])
        #expect(r.status != 0 && r.stderr.contains("--calibration-batches: expected ≥ 1, found 0"), "\(r.stderr)")
    }
}
