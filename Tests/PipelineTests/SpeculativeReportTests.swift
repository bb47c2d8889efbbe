// SpeculativeReportTests: `condense report --draft` and the run report's speculative table on tiny random GPTs.
import CondenseCore
import Foundation
@testable import Pipeline
import Testing
import TestSupport

@Suite struct SpeculativeReportTests {
    static let symbols = "abcdefghij .,".map { String($0) }

    /// A random GPT over `symbols`, written to `dir/name`.
    static func gpt(_ dir: URL, _ name: String, layers: Int, seed: UInt64, symbols: [String] = symbols, block: Int = 64) throws -> String {
        let c = GPTConfig(n_layer: layers, n_head: 2, head_dim: 8, n_embd: 16, ffn_hidden: 32, block_size: block, vocab_size: symbols.count)
        let path = dir.appendingPathComponent(name).path
        try makeNetwork(.gpt(c), seed: seed).modelFile(vocabulary: symbols).write(to: path)
        return path
    }

    /// A text in the vocabulary, long enough for a 90/5/5 split with a 32-token test prompt.
    static func text(_ dir: URL) throws -> String {
        var rng = RNG(seed: 9)
        let body = String((0..<4000).map { _ in Character(symbols[Int(rng.next() % UInt64(symbols.count))]) })
        let path = dir.appendingPathComponent("text.txt").path
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func options() -> ReportOptions {
        var o = ReportOptions()
        o.latency = false; o.latency_runs = 2; o.generate_tokens = 24; o.draft_tokens = 3
        return o
    }

    @Test func draftsAreMeasuredAndGreedyOutputIsTheTargets() throws {
        let dir = TestSupport.tempDir("specreport")
        let target = try Self.gpt(dir, "target.h5", layers: 2, seed: 1)
        let poor = try Self.gpt(dir, "poor.h5", layers: 1, seed: 2)
        let data = DataSpec(path: try Self.text(dir))
        // The target as its own draft accepts everything: K + 1 = 4 tokens per target call (24 tokens = 6 calls; the
        // 32-token prompt plus 24 stays inside the 64-token block, so no window shift adds a call).
        let r = try compareModels([target, poor], data: data, options: Self.options(), drafts: [poor, target])
        let rows = try #require(r.speculative)
        #expect(rows.count == 2)
        for row in rows {
            #expect(row.identical, "\(row.draft): greedy speculative output must be the target's greedy output")
            #expect((0...1).contains(row.acceptance_rate) && row.tokens_per_target_call >= 1 && row.tokens_per_target_call <= 4)
            #expect(row.tokens_per_s > 0 && row.target_tokens_per_s > 0 && row.rounds == 2 && row.draft_tokens == 3)
        }
        #expect(rows[1].acceptance_rate == 1 && rows[1].tokens_per_target_call == 4, "\(rows[1])")
        #expect(rows[0].acceptance_rate < 1, "an unrelated random draft cannot agree with the target on every token")
        let md = r.speculativeMarkdown
        #expect(md.contains("## Speculative decoding") && md.contains("| poor | 3 |") && md.contains("| yes |"), "\(md)")
    }

    @Test func aDraftThatCannotServeTheTargetIsOneClearError() throws {
        let dir = TestSupport.tempDir("specbad")
        let target = try Self.gpt(dir, "target.h5", layers: 1, seed: 1)
        var other = Self.symbols; other[0] = "z"
        let vocab = try Self.gpt(dir, "vocab.h5", layers: 1, seed: 2, symbols: other)
        let block = try Self.gpt(dir, "block.h5", layers: 1, seed: 3, block: 16)
        let mlp = dir.appendingPathComponent("mlp.h5").path
        try makeNetwork(.mlp(MLPConfig(inputs: 4, hidden: [3], classes: 2)), seed: 1).modelFile().write(to: mlp)
        let data = DataSpec(path: try Self.text(dir))
        let cases: [(String, String)] = [(vocab, "vocabulary differs"), (block, "block_size is 16 but the target's is 64"),
                                         (mlp, "a draft must be a GPT"), (dir.path + "/none.h5", "no such file")]
        for (draft, expected) in cases {
            let e = Fixtures.error { _ = try compareModels([target], data: data, options: Self.options(), drafts: [draft]) }
            #expect(e?.contains(expected) == true && e?.contains(draft) == true, "\(draft): \(e ?? "no error")")
        }
        var o = Self.options(); o.generate_tokens = 0
        let e = Fixtures.error { _ = try compareModels([target], data: data, options: o, drafts: [target]) }
        #expect(e?.contains("--generate-tokens") == true, "\(e ?? "no error")")
    }

    @Test func draftTokensOutOfRangeIsARecipeError() throws {
        let t = try Fixtures.randomTeacher(try Fixtures.folder("specrecipe"))
        for k in [0, 65] {
            let yaml = "teacher:\n  path: \(t)\nreport:\n  draft_tokens: \(k)\nstages:\n  - quantize: {}\n"
            let e = Fixtures.error { _ = try Fixtures.load(yaml) }
            #expect(e?.contains("report.draft_tokens: expected 1...64, found \(k)") == true, "\(k): \(e ?? "no error")")
        }
    }
}
