// GenerateTests: `condense generate` samples deterministically from a seed and refuses models it cannot serve.
import Foundation
import Testing
import TestSupport

@Suite struct GenerateTests {
    func model(_ extra: [String] = []) throws -> String {
        let path = TestSupport.tempDir("gen").appendingPathComponent("g.h5").path
        try TestSupport.tool("make_test_model.py", ["--family", "gpt", "--n-layer", "1", "--n-head", "2", "--head-dim", "4", "--n-embd", "8",
                                                    "--ffn-hidden", "16", "--block-size", "8", "--vocab-size", "30"] + extra + [path])
        return path
    }

    @Test func sameSeedSameTextAndLongerThanTheContext() throws {
        let m = try model()
        let a = try TestSupport.condense(["generate", m, "--prompt", "12", "--tokens", "20", "--seed", "3"])
        let b = try TestSupport.condense(["generate", m, "--prompt", "12", "--tokens", "20", "--seed", "3"])
        let c = try TestSupport.condense(["generate", m, "--prompt", "12", "--tokens", "20", "--seed", "4"])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout == b.stdout)
        #expect(a.stdout != c.stdout)
        #expect(a.stdout.hasPrefix("12") && a.stdout.unicodeScalars.count == 2 + 20 + 1)  // + newline
        #expect(a.stderr.contains("tokens/s"))
    }

    @Test func unknownPromptCharacterAndWrongFamilyAreClearErrors() throws {
        let m = try model()
        let r = try TestSupport.condense(["generate", m, "--prompt", "12\u{2603}"])
        #expect(r.status == 1 && r.stderr.contains("--prompt") && r.stderr.contains("U+2603"), "\(r.stderr)")
        let mlp = TestSupport.tempDir("gen").appendingPathComponent("m.h5").path
        try TestSupport.tool("make_test_model.py", ["--family", "mlp", mlp])
        let r2 = try TestSupport.condense(["generate", mlp])
        #expect(r2.status == 1 && r2.stderr.contains("generate needs a gpt model, found mlp"), "\(r2.stderr)")
    }
}
