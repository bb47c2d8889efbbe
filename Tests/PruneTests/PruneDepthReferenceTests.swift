// PruneDepthReferenceTests: a depth-pruned student's logits equal the numpy reference's teacher with those blocks skipped.
import CondenseCore
import Foundation
import HDF5
import Testing
import TestSupport

@Suite struct PruneDepthReferenceTests {
    static let fast = ["--calibration-batches", "2", "--calibration-batch-size", "4", "--val-batches", "1", "--no-latency"]

    /// Prunes with `args` through the CLI, then checks `predict` on the student against reference_forward.py on the
    /// teacher with the dropped blocks skipped (read back from the student's history).
    func check(_ makeArgs: [String], _ args: [String]) throws -> [Int] {
        let dir = TestSupport.tempDir("prune-depth")
        let teacher = dir.appendingPathComponent("t.h5").path, input = dir.appendingPathComponent("in.h5").path
        let student = dir.appendingPathComponent("s.h5").path
        try TestSupport.tool("make_test_model.py", makeArgs + ["--seed", "5", "--input", input, "--batch", "2", teacher])
        let r = try TestSupport.condense(["prune", teacher, "-o", student] + args + Self.fast)
        #expect(r.status == 0, "\(r.stderr)")
        let s = try ModelFile.read(student)
        guard case .gpt(let c) = s.architecture, case .gpt(let tc) = try ModelFile.read(teacher).architecture else {
            Issue.record("not gpt"); return []
        }
        let kept = (s.history.last?["config"]?["kept"]?["layers"]).flatMap { v -> [Int]? in
            if case .array(let a) = v { return a.compactMap { $0.number.map { Int($0) } } }
            return nil
        } ?? []
        #expect(kept.count == c.n_layer)
        let skipped = (0..<tc.n_layer).filter { !kept.contains($0) }
        let ours = dir.appendingPathComponent("ours.h5").path, ref = dir.appendingPathComponent("ref.h5").path
        let p = try TestSupport.condense(["predict", student, "--input", input, "--output", ours])
        #expect(p.status == 0, "\(p.stderr)")
        try TestSupport.tool("reference_forward.py", [teacher, input, ref, "--skip-layers", skipped.map(String.init).joined(separator: ",")])
        let a = try TestSupport.readLogits(ours), b = try TestSupport.readLogits(ref)
        #expect(a.shape == b.shape)
        let worst = FloatBounds.maxErrorOverScale(a.values, b.values), bound = Self.bound(c)
        #expect(worst <= bound, "max |Δlogit| / max|logit| \(worst) > derived bound \(bound)")
        #expect(b.values.contains { abs($0) > 0.1 }, "reference logits are trivially small")
        // physically smaller: the file shrinks with the blocks
        let size = { (p: String) in (try FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0 }
        #expect(try size(student) < size(teacher))
        return skipped
    }

    /// The student's float32 forward against the float64 reference (FloatBounds.forward), as a fraction of max|logit|.
    /// Skipping the wrong block, or keeping a dropped one, moves the logits by a large fraction of their scale.
    static func bound(_ c: GPTConfig) -> Double {
        FloatBounds.forward(reductions: FloatBounds.gptReductions(layers: c.n_layer),
                            length: max(c.n_embd, c.attnWidth, c.ffn_hidden, c.block_size))
    }

    static let gpt4 = ["--family", "gpt", "--n-layer", "4", "--n-head", "2", "--head-dim", "8", "--n-embd", "16",
                       "--ffn-hidden", "40", "--block-size", "12", "--vocab-size", "84"]

    @Test func explicitDropLayersMatchTheReference() throws {
        let skipped = try check(Self.gpt4, ["--drop-layers", "1,2"])
        #expect(skipped == [1, 2])
    }

    @Test(arguments: ["block_influence", "loss", "contiguous"])
    func rankedDepthMatchesTheReference(_ criterion: String) throws {
        let skipped = try check(Self.gpt4 + ["--no-bias", "--no-tie"], ["--layers", "2", "--layer-criterion", criterion])
        #expect(skipped.count == 2)
        if criterion == "contiguous" { #expect(skipped[1] == skipped[0] + 1) }
    }

    /// The real teacher, when it is present: depth-pruned 6 → 4, against the reference with blocks skipped.
    static let realTeacher: String? = {
        let root = TestSupport.packageRoot.appendingPathComponent("models")
        return [root.appendingPathComponent("shakespeare-teacher.h5").path,
                root.appendingPathComponent("shakespeare-teacher.run/best.h5").path]
            .first { FileManager.default.fileExists(atPath: $0) }
    }()

    @Test(.enabled(if: realTeacher != nil, "skipped: no trained models/shakespeare-teacher.h5 in this checkout"))
    func realShakespeareTeacherWhenPresent() throws {
        let found = try #require(Self.realTeacher)
        // a private copy: training may replace best.h5 between the prune and the reference run
        let dir = TestSupport.tempDir("prune-real")
        let teacher = dir.appendingPathComponent("teacher.h5").path
        try FileManager.default.copyItem(atPath: found, toPath: teacher)
        let input = dir.appendingPathComponent("in.h5").path, student = dir.appendingPathComponent("s.h5").path
        let mk = try TestSupport.run("/usr/bin/env", ["python3", "-c",
            "import h5py, numpy as np, sys\nf = h5py.File(sys.argv[1], 'w')\nf['input'] = np.random.default_rng(1).integers(0, 84, (1, 64))", input])
        #expect(mk.status == 0, "\(mk.stderr)")
        let r = try TestSupport.condense(["prune", teacher, "-o", student, "--drop-layers", "2,3"] + Self.fast)
        #expect(r.status == 0, "\(r.stderr)")
        let ours = dir.appendingPathComponent("ours.h5").path, ref = dir.appendingPathComponent("ref.h5").path
        #expect(try TestSupport.condense(["predict", student, "--input", input, "--output", ours]).status == 0)
        try TestSupport.tool("reference_forward.py", [teacher, input, ref, "--skip-layers", "2,3"])
        let a = try TestSupport.readLogits(ours), b = try TestSupport.readLogits(ref)
        guard case .gpt(let c) = try ModelFile.read(student).architecture else { Issue.record("not gpt"); return }
        let worst = FloatBounds.maxErrorOverScale(a.values, b.values), bound = Self.bound(c)
        #expect(worst <= bound, "max |Δlogit| / max|logit| \(worst) > derived bound \(bound)")
    }
}
