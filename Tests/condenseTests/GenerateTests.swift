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

@Suite struct GenerateEngineCommandTests {
    func model(_ name: String, _ extra: [String]) throws -> String {
        let path = TestSupport.tempDir("genc").appendingPathComponent(name).path
        try TestSupport.tool("make_test_model.py", ["--family", "gpt", "--n-head", "2", "--head-dim", "4", "--n-embd", "8",
                                                    "--ffn-hidden", "16"] + extra + [path])
        return path
    }

    func json(_ r: TestSupport.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    @Test func jsonCarriesTheIdsTextAndTimingsAndTheSpeculativeFigures() throws {
        let t = try model("t.h5", ["--n-layer", "2", "--block-size", "16", "--vocab-size", "30"])
        let d = try model("d.h5", ["--n-layer", "1", "--block-size", "16", "--vocab-size", "30", "--seed", "4"])
        let a = try TestSupport.condense(["generate", t, "--prompt", "12", "--tokens", "25", "--temperature", "0", "--json"])
        #expect(a.status == 0, "\(a.stderr)")
        let o = try json(a)
        let ids = o["ids"] as! [Int]
        #expect(ids.count == 25 && (o["text"] as! String).unicodeScalars.count == 25)
        for k in ["tokens_per_s", "prefill_ms", "ms_per_token"] { #expect((o[k] as? Double ?? -1) > 0, "\(k)") }
        let s = try TestSupport.condense(["generate", t, "--prompt", "12", "--tokens", "25", "--temperature", "0", "--json",
                                          "--draft", d, "--draft-tokens", "3", "--compare"])
        #expect(s.status == 0, "\(s.stderr)")
        let so = try json(s)
        #expect(so["ids"] as! [Int] == ids)                       // greedy speculative = greedy target
        #expect(so["identical_to_target"] as? Bool == true)
        for k in ["acceptance_rate", "tokens_per_target_call", "target_tokens_per_s", "speedup"] { #expect(so[k] is Double, "\(k)") }
    }

    @Test func badOptionsAndDraftsAreOneLineErrors() throws {
        let t = try model("t.h5", ["--n-layer", "1", "--block-size", "16", "--vocab-size", "30"])
        let otherVocab = try model("v.h5", ["--n-layer", "1", "--block-size", "16", "--vocab-size", "31"])
        let otherBlock = try model("b.h5", ["--n-layer", "1", "--block-size", "8", "--vocab-size", "30"])
        let mlp = TestSupport.tempDir("genc").appendingPathComponent("m.h5").path
        try TestSupport.tool("make_test_model.py", ["--family", "mlp", mlp])
        let cases: [([String], String)] = [
            (["--tokens", "0"], "--tokens must lie in 1...1000000, found 0"),
            (["--tokens", "5000000"], "--tokens must lie in 1...1000000, found 5000000"),
            (["--temperature=-1"], "--temperature must lie in [0, 100], found -1"),
            (["--top-p", "1.5"], "--top-p must lie in (0, 1], found 1.5"),
            (["--top-k=-1"], "--top-k must be ≥ 0"),
            (["--policy", "wrap"], "--policy must be shift or crop, found \"wrap\""),
            (["--draft", t, "--draft-tokens", "0"], "--draft-tokens must lie in 1...64, found 0"),
            (["--draft", t, "--draft-tokens", "65"], "--draft-tokens must lie in 1...64, found 65"),
            (["--draft", mlp], "generate needs a gpt model as --draft, found mlp"),
            (["--draft", otherVocab], "vocabulary differs"),
            (["--draft", otherBlock], "the draft's block_size is 8 but the target's is 16"),
            (["--compare"], "--compare needs --draft"),
            (["--prompt", "1\u{2603}"], "U+2603"),
        ]
        for (args, message) in cases {
            let r = try TestSupport.condense(["generate", t] + args)
            #expect(r.status == 1 && r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        }
    }

    @Test func benchGenerateReportsEachBatch() throws {
        let t = try model("t.h5", ["--n-layer", "1", "--block-size", "16", "--vocab-size", "30"])
        let r = try TestSupport.condense(["bench", "generate", t, "--draft", t, "--batches", "1,3", "--tokens", "20", "--runs", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let parsed = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(parsed.allSatisfy { $0 != nil }, "\(r.stdout)")
        let lines = parsed.compactMap { $0 }.filter { $0["bound_ms_per_token"] == nil }
        try #require(lines.count == 3, "\(r.stdout)")
        #expect(lines[0...1].map { $0["batch"] as? Int } == [1, 3])
        #expect(lines[0...1].allSatisfy { ($0["tokens_per_s"] as? Double ?? 0) > 0 })
        // the target as its own draft: every proposal is accepted
        #expect(lines[2]["acceptance_rate"] as? Double == 1 && lines[2]["identical_to_target"] as? Bool == true)
    }

    @Test func benchGenerateTakesAPromptText() throws {
        let t = try model("tp.h5", ["--n-layer", "1", "--block-size", "16", "--vocab-size", "30"])
        let r = try TestSupport.condense(["bench", "generate", t, "--prompt", "1212", "--draft", t, "--batches", "1", "--tokens", "10", "--runs", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let last = r.stdout.split(separator: "\n").last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(last?["acceptance_rate"] as? Double == 1, "\(r.stdout)")
        for (prompt, message) in [("1\u{2603}", "U+2603"), ("", "--prompt must not be empty")] {
            let bad = try TestSupport.condense(["bench", "generate", t, "--prompt", prompt, "--batches", "1", "--tokens", "5", "--runs", "1"])
            #expect(bad.status == 1 && bad.stderr.contains(message), "\(prompt): \(bad.stderr)")
            #expect(bad.stderr.split(separator: "\n").count == 1, "\(prompt): \(bad.stderr)")
        }
    }
}
