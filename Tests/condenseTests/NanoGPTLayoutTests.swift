// NanoGPTLayoutTests: files written by h5py in nanoGPT's layout inspect with the exact PyTorch parameter count,
// and Condense files round-trip through h5py both ways.
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite struct NanoGPTLayoutTests {
    static let gptArgs = ["--family", "gpt", "--n-layer", "3", "--n-head", "4", "--head-dim", "16", "--n-embd", "64",
                          "--ffn-hidden", "256", "--block-size", "32", "--vocab-size", "65"]

    @Test(arguments: ["link", "copy", "absent"])
    func inspectReportsTheExactParameterCount(_ head: String) throws {
        let path = TestSupport.tempDir("nanogpt").appendingPathComponent("m.h5").path
        let out = try TestSupport.tool("make_test_model.py", Self.gptArgs + ["--lm-head", head, "--legacy-mask", path])
        let expected = try #require((try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])?["parameters"] as? Int)
        // nanoGPT's count for these widths: V·C + T·C + L·(12·C² + 13·C) + 2·C (bias, tied, 4·C MLP, H·Dh = C).
        let c = 64
        #expect(expected == 65 * c + 32 * c + 3 * (12 * c * c + 13 * c) + 2 * c)
        let r = try TestSupport.condense(["inspect", path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(obj["parameters"] as? Int == expected)
        let paths = (obj["tensors"] as! [[String: Any]]).map { $0["path"] as! String }
        #expect(paths.contains("lm_head/weight") == (head != "absent"))
        #expect(!paths.contains("transformer/h/0/attn/bias"), "the legacy mask buffer is not a parameter")
    }

    @Test func condenseFilesRoundTripThroughH5pyBothWays() throws {
        let dir = TestSupport.tempDir("nanogpt")
        // Condense → h5py: a file written by Condense is read and rewritten by h5py, and Condense reads it back.
        let arch = Architecture.gpt(GPTConfig(n_layer: 2, n_head: 2, head_dim: 6, n_embd: 10, ffn_hidden: 30, block_size: 8,
                                              vocab_size: 5, bias: false, tie_embeddings: true))
        let net = makeNetwork(arch, seed: 4)
        let original = net.modelFile(vocabulary: ["a", "b", "\n", "é", "/"], history: [HistoryRecord(stage: "train", paramsAfter: 1).json])
        let a = dir.appendingPathComponent("a.h5").path, b = dir.appendingPathComponent("b.h5").path
        try original.write(to: a)
        try TestSupport.tool("h5_roundtrip.py", [a, b])
        let back = try ModelFile.read(b)
        #expect(back.architecture == original.architecture)
        #expect(back.vocabulary == original.vocabulary)
        #expect(back.history == original.history)
        for (k, t) in original.parameters { #expect(back.parameters[k]!.array == t.array, "\(k)") }
        // h5py → Condense → h5py: a file made by h5py survives a Condense read and write unchanged in content.
        let c = dir.appendingPathComponent("c.h5").path, d = dir.appendingPathComponent("d.h5").path
        try TestSupport.tool("make_test_model.py", Self.gptArgs + [c])
        try ModelFile.read(c).write(to: d)
        let check = """
            import h5py, numpy as np, sys
            a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
            names = []
            a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
            for n in names:
                assert n in b, n
                assert a[n].dtype == b[n].dtype and a[n].shape == b[n].shape, n
                assert np.array_equal(a[n][()], b[n][()]), n
            assert a.attrs['architecture'] == b.attrs['architecture'] or __import__('json').loads(a.attrs['architecture']) == __import__('json').loads(b.attrs['architecture'])
            print(len(names))
            """
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", check, c, d])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 30)
    }
}
