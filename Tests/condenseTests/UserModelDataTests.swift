// UserModelDataTests: a user's own model and data through the binary: a nanoGPT-layout file written by an independent
// PyTorch script (no `dropout`) loads, predicts PyTorch's logits and prunes with no data; a GPT trained by that script
// on a made-up text runs a whole recipe on the text file; bad data is one clear line and exit 1, writing nothing.
import Foundation
import HDF5
import Testing
import TestSupport

@Suite(.serialized) struct UserModelDataTests {
    /// The venv with torch (tools/torch_env): $CONDENSE_TORCH_PYTHON, else <package>/.venv-torch/bin/python.
    static var torchPython: String? {
        let env = ProcessInfo.processInfo.environment["CONDENSE_TORCH_PYTHON"] ?? ""
        let candidates = [env, TestSupport.packageRoot.appendingPathComponent(".venv-torch/bin/python").path].filter { !$0.isEmpty }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
    static let skipNote = "torch is absent (run tools/torch_env, or set CONDENSE_TORCH_PYTHON); skipping the PyTorch comparison"

    static func torch(_ args: [String]) throws -> String {
        let r = try TestSupport.run(torchPython!, [TestSupport.packageRoot.appendingPathComponent("tools/nanogpt_torch.py").path] + args)
        guard r.status == 0 else { throw ScriptFailed(description: "nanogpt_torch.py \(args): \(r.stderr)") }
        return r.stdout
    }

    struct ScriptFailed: Error, CustomStringConvertible { let description: String }

    static func floats(_ path: String, _ name: String) throws -> [Float] {
        try HDF5.File(openReadOnly: path).root.dataset(name).read(as: Float.self)
    }

    @Test(.enabled(if: torchPython != nil, Comment(rawValue: skipNote)))
    func outsideNanoGPTFileLoadsPredictsAndPrunesWithoutData() throws {
        let dir = TestSupport.tempDir("outside").path
        let model = dir + "/outside.h5", ref = dir + "/ref.h5"
        // 37 symbols: no demo data set fits this model, so nothing can be borrowed.
        _ = try Self.torch(["export", model, "--reference", ref, "--n-layer", "3", "--n-head", "4", "--n-embd", "32",
                            "--block-size", "16", "--vocab-size", "37", "--seed", "3"])
        let arch = try HDF5.File(openReadOnly: model).root.stringAttribute("architecture")
        #expect(!arch.contains("dropout"), "the outside file leaves dropout out")
        let inspect = try TestSupport.condense(["inspect", model])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let out = dir + "/logits.h5"
        let p = try TestSupport.condense(["predict", model, "--input", ref, "--output", out])
        #expect(p.status == 0, "\(p.stderr)")
        let ours = try Self.floats(out, "logits"), theirs = try Self.floats(ref, "logits")
        try #require(ours.count == theirs.count && !ours.isEmpty)
        // Norm-wise relative error max|a − b| / max|b|. Both are float32 forwards over reductions of at most
        // 4·n_embd = 128 terms through 3 blocks; summation error grows like √K·eps ≈ 11·6e-8 ≈ 7e-7 per reduction and
        // compounds over ~10 sequential reductions to ≈ 1e-5 of the largest logit, a tenth of the 1e-4 asked.
        let scale = theirs.map { abs($0) }.max()!
        let err = zip(ours, theirs).map { abs($0 - $1) }.max()! / scale
        #expect(err <= 1e-4, "max relative error \(err)")
        let student = dir + "/student.h5"
        let r = try TestSupport.condense(["prune", model, "-o", student, "--drop-layers", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"data\" : \"none\""), "no data at hand: the report says so")
        let a = try HDF5.File(openReadOnly: student).root.stringAttribute("architecture")
        #expect(a.contains("\"n_layer\":2"), "\(a)")
        let need = try TestSupport.condense(["prune", model, "-o", dir + "/x.h5", "--layers", "2"])
        #expect(need.status == 1 && need.stderr.contains("prune needs data here: layers ranks blocks by block_influence"), "\(need.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.h5"))
    }

    /// Must-show: a GPT trained by the PyTorch script on a made-up text → `condense run` on that text file.
    @Test(.enabled(if: torchPython != nil, Comment(rawValue: skipNote)))
    func torchTrainedGPTRunsARecipeOnItsTextFile() throws {
        let dir = TestSupport.tempDir("torchrun").path
        let text = TestSupport.packageRoot.appendingPathComponent("recipes/data/own-text.txt").path
        let model = dir + "/nanogpt.h5"
        _ = try Self.torch(["export", model, "--text", text, "--steps", "40", "--n-layer", "2", "--n-embd", "16",
                            "--block-size", "16", "--seed", "1"])
        let recipe = dir + "/r.yaml"
        try """
            teacher: {path: \(model)}
            data: {path: \(text)}
            stages:
              - prune: {drop_layers: [1], latency: false}
              - distill: {alpha_grid: [0.5], temperature_grid: [1], train: {batch_size: 8, steps: 10, eval_every: 5, eval_batches: 2, checkpoint_every: 5, warmup_steps: 2}}
              - quantize: {calibration_batch_size: 8, latency: false}
            report: {latency: false, generate_tokens: 0, eval_batches: 4}
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let r = try TestSupport.condense(["run", recipe, "--output", dir + "/run", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/run/report.json"))) as! [String: Any]
        let prov = report["data_provenance"] as? [String: Any]
        #expect(prov?["format"] as? String == "text")
        #expect(((prov?["splits"] as? [String: Any])?["train"] as? [String: Any])?["sha256"] as? String != nil)
        #expect((report["models"] as? [Any])?.count == 4)
        let md = try String(contentsOfFile: dir + "/run/report.md", encoding: .utf8)
        #expect(md.contains("## Data") && md.contains(text))
    }

    @Test func shippedOwnDataRecipesRunEndToEnd() throws {
        for name in ["example-own-text", "example-own-table"] {
            let dir = TestSupport.tempDir(name).path
            let r = try TestSupport.condense(["run", "recipes/\(name).yaml", "--set", "teacher.path=\(dir)/teacher.h5",
                                              "--set", "report.latency=false", "--set", "report.generate_tokens=0",
                                              "--output", dir + "/run", "--quiet"])
            #expect(r.status == 0, "\(name): \(r.stderr)")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/run")) ?? []
            for f in ["01-prune.h5", "02-distill.h5", "03-quantize.h5", "report.json", "report.md"] { #expect(files.contains(f), "\(name): \(f)") }
            let hist = try HDF5.File(openReadOnly: dir + "/run/03-quantize.h5").root.stringAttribute("history")
            #expect(hist.contains("\"sha256\""), "every history record carries the data's digests")
        }
    }

    @Test func badDataIsOneLineAndExitOne() throws {
        let dir = TestSupport.tempDir("baddata").path
        let model = dir + "/m.h5"
        try TestSupport.tool("make_test_model.py", ["--family", "mlp", "--inputs", "2", "--hidden", "4", "--classes", "3", model])
        try "a,b,label\n1,2,0\n3,oops,1\n".write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
        let r = try TestSupport.condense(["eval", model, "--data", dir + "/t.csv"])
        #expect(r.status == 1)
        #expect(r.stderr == "condense: error: \(dir)/t.csv: expected a finite number in every cell, found \"oops\" in row 3, column \"b\"\n")
        let q = try TestSupport.condense(["quantize", model, "-o", dir + "/q.h5", "--data", dir + "/t.csv"])
        #expect(q.status == 1 && !FileManager.default.fileExists(atPath: dir + "/q.h5"))
        let f = try TestSupport.condense(["eval", model, "--data", dir + "/t.csv", "--data-format", "parquet"])
        #expect(f.status == 1 && f.stderr.contains("data.format one of text, nanogpt, hdf5, npy, csv, idx"))
    }
}
